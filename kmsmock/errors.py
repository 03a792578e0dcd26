"""The two families of errors kmsmock raises.

``KmsError`` is what AWS would answer: a code from the KMS API (``NotFoundException``,
``ValidationException``...) and AWS's message. The protocol layer turns it into the HTTP 400
JSON body botocore parses, so user code sees the same ``ClientError`` it would see from AWS.

``KmsMockUsageError`` is for people writing tests: the mock was used in a way it cannot serve.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
_KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)

__all__ = [
    "KmsError",
    "KmsMockUsageError",
    "NotImplementedOperation",
    "did_you_mean",
    "require_in_range",
]


class KmsError(Exception):
    """An error exactly as AWS KMS would return it.

    >>> KmsError("NotFoundException", "Invalid keyId 'x'").code
    'NotFoundException'
    """

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class KmsMockUsageError(Exception):
    """The mock was used in a way it cannot serve; the message says what to do instead."""


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` naming the closest of ``known`` to ``word``, or "" if none is
    close: the hint every usage error about a misspelt name ends with.

    >>> did_you_mean("Decrpyt", ["Decrypt", "Encrypt"])
    " (did you mean 'Decrypt'?)"
    """
    import difflib  # only on the way to an error

    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class NotImplementedOperation(KmsError):
    """An operation of the KMS API that this version of kmsmock does not serve yet."""

    def __init__(self, operation: str) -> None:
        super().__init__(
            "NotImplementedException",
            f"kmsmock does not implement the KMS operation {operation} yet. "
            "docs/operations.md in kmsmock's documentation lists what is served.",
        )


def require_in_range(
    path: str, value: int, *, low: int | None = None, high: int | None = None
) -> None:
    """Raise AWS's ValidationException if ``value`` is outside ``low..high``.

    For the limits AWS enforces on the server that are tighter than the model's (e.g.
    ScheduleKeyDeletion's 7..30 days), worded as AWS words its model checks.
    """
    if low is not None and value < low:
        bound = f"greater than or equal to {low}"
    elif high is not None and value > high:
        bound = f"less than or equal to {high}"
    else:
        return
    raise KmsError(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy "
        f"constraint: Member must have value {bound}",
    )


def keywords_checked(shown_as: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make an unknown keyword argument a ``KmsMockUsageError`` naming the closest known one,
    rather than Python's TypeError. Type checkers still see the function's own signature."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        parameters = inspect.signature(function).parameters.values()
        known = [p.name for p in parameters if p.kind in _KEYWORD_KINDS and p.name != "self"]
        allowed = frozenset(known)

        @functools.wraps(function)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            for name in kwargs:
                if name not in allowed:
                    raise KmsMockUsageError(
                        f"{shown_as} takes no argument {name!r}{did_you_mean(name, known)}; it "
                        f"takes {', '.join(known)}"
                    )
            return function(*args, **kwargs)

        return checked

    return decorate
