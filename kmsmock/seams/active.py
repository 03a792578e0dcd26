"""The stack of active mocks, shared by every thread.

A lock-guarded module-level stack rather than a ContextVar: code under test runs KMS calls
from thread pools, and a new thread starts with an empty context.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from kmsmock.backend.state import World
from kmsmock.policy.model import Caller


class Served(Protocol):
    """What the seams need of an active mock (``Served`` is one): the world it serves, and
    who a request signed with an access key acts as."""

    @property
    def world(self) -> World: ...

    def caller_for(self, access_key: str | None, region: str | None = None) -> Caller: ...


_lock = threading.Lock()
_stack: list[Served] = []
# Called with each mock as it becomes active (the pytest plugin's report notes which mocks a
# test used, decorator-made ones included).
_watchers: list[Callable[[Served], None]] = []


def watch(watcher: Callable[[Served], None]) -> Callable[[], None]:
    """Call ``watcher(mock)`` whenever a mock becomes active; returns what stops it."""
    with _lock:
        _watchers.append(watcher)

    def unwatch() -> None:
        with _lock:
            if watcher in _watchers:
                _watchers.remove(watcher)

    return unwatch


def current() -> Served | None:
    """The innermost active mock, or None."""
    stack = _stack
    try:
        return stack[-1] if stack else None
    except IndexError:  # emptied by another thread between the check and the read
        return None


def active_mocks() -> tuple[Served, ...]:
    """Every active mock, outermost first."""
    with _lock:
        return tuple(_stack)


def outermost() -> Served | None:
    with _lock:
        return _stack[0] if _stack else None


def push(
    mock: Served, *, first: Callable[[], None], attach: Callable[[Served | None], None]
) -> None:
    """Activate ``mock``: ``attach(outermost)`` makes it join the outermost active mock's
    state (or start empty, given None).

    ``first`` runs when ``mock`` is the first activation. Both happen under the lock, and
    before ``mock`` is visible to requests, so that two threads starting mocks at once cannot
    both believe they are the outermost, and no request meets a half-started mock.
    """
    with _lock:
        outer = _stack[0] if _stack else None
        if outer is None:
            first()
        attach(outer)
        _stack.append(mock)
        for watcher in _watchers:
            watcher(mock)


def pop(mock: Served, *, last: Callable[[], None]) -> None:
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
