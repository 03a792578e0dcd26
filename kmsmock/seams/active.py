"""The stack of active mocks, shared by every thread.

A lock-guarded module-level stack rather than a ContextVar: code under test runs KMS calls
from thread pools, and a new thread starts with an empty context.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmsmock.mocking.mock import KmsMock

_lock = threading.Lock()
_stack: list[KmsMock] = []
# Called with each mock as it becomes active (the pytest plugin's report notes which mocks a
# test used, decorator-made ones included).
_watchers: list[Callable[[KmsMock], None]] = []


def watch(watcher: Callable[[KmsMock], None]) -> Callable[[], None]:
    """Call ``watcher(mock)`` whenever a mock becomes active; returns what stops it."""
    with _lock:
        _watchers.append(watcher)

    def unwatch() -> None:
        with _lock:
            if watcher in _watchers:
                _watchers.remove(watcher)

    return unwatch


def current() -> KmsMock | None:
    """The innermost active mock, or None."""
    stack = _stack
    try:
        return stack[-1] if stack else None
    except IndexError:  # emptied by another thread between the check and the read
        return None


def active_mocks() -> tuple[KmsMock, ...]:
    """Every active mock, outermost first."""
    with _lock:
        return tuple(_stack)


def outermost() -> KmsMock | None:
    with _lock:
        return _stack[0] if _stack else None


def push(mock: KmsMock, *, first: Callable[[], None]) -> None:
    """Activate ``mock``: it joins the outermost active mock's state, or starts empty.

    ``first`` runs when ``mock`` is the first activation. Both happen under the lock, and
    before ``mock`` is visible to requests, so that two threads starting mocks at once cannot
    both believe they are the outermost, and no request meets a half-started mock.
    """
    with _lock:
        outer = _stack[0] if _stack else None
        if outer is None:
            first()
        mock._attach(outer)
        _stack.append(mock)
        for watcher in _watchers:
            watcher(mock)


def pop(mock: KmsMock, *, last: Callable[[], None]) -> None:
    """Deactivate ``mock``; ``last`` runs (under the lock) once no mock remains active.

    Mocks may stop in any order (concurrent asyncio tasks each running a decorated
    coroutine do), so ``last`` belongs to the stack, not to whichever mock started first.
    """
    with _lock:
        for index in range(len(_stack) - 1, -1, -1):
            if _stack[index] is mock:
                del _stack[index]
                break
        else:
            raise RuntimeError("this mock is not active")
        if not _stack:
            last()
