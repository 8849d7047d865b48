"""A per-input time limit (`batch --timeout`) that works wherever `process_one` runs: the
main thread of a pool process, or a Dask worker's task thread, where signals cannot reach.

A timer thread raises `InputTimeout` in the working thread (CPython's
`PyThreadState_SetAsyncExc`); it lands at the next Python bytecode, which the parsers reach
within milliseconds (their loops are Python), so a stuck input ends and the worker lives on.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from collections.abc import Iterator


class InputTimeout(Exception):
    """Processing one input took longer than the batch's --timeout."""


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None)


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise `InputTimeout` in this thread if the block runs longer than `seconds`."""
    if not seconds or seconds <= 0:
        yield
        return
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}

    def fire() -> None:
        with lock:
            if state["active"]:
                state["fired"] = True
                _raise_in(target, InputTimeout)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["active"] = False
            timer.cancel()
            if state["fired"]:
                _raise_in(target, None)  # not yet delivered: withdraw it
