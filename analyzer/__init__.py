"""wakescope analysis: attribute parsed tables to background APIs, find problems, report."""

__version__ = "0.1.0"
