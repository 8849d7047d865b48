"""The one exception the container may raise: an input that cannot be read at all."""


class InputError(Exception):
    """An input the tool refuses, with one sentence saying what it is and what was expected.

    Parsers never raise for content; only the container raises this, before any parsing.
    """
