"""The stack of active mocks, shared by every thread.

A lock-guarded module-level stack rather than a ContextVar: code under test runs KMS calls
from thread pools, and a new thread starts with an empty context.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmsmock._mock import KmsMock

_lock = threading.Lock()
_stack: list[KmsMock] = []


def current() -> KmsMock | None:
    """The innermost active mock, or None."""
    stack = _stack
    return stack[-1] if stack else None


def outermost() -> KmsMock | None:
    with _lock:
        return _stack[0] if _stack else None


def push(mock: KmsMock) -> bool:
    """Activate ``mock``; True if it is the outermost activation."""
    with _lock:
        _stack.append(mock)
        return len(_stack) == 1


def pop(mock: KmsMock) -> bool:
    """Deactivate ``mock``; True if no mock remains active."""
    with _lock:
        for index in range(len(_stack) - 1, -1, -1):
            if _stack[index] is mock:
                del _stack[index]
                break
        else:
            raise RuntimeError("this mock is not active")
        return not _stack
