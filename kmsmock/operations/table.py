"""The table of operations: each operation module registers its functions here by the KMS API
name (``@operation("Encrypt")``), and dispatch.py looks them up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kmsmock.backend.context import RequestContext

Params = dict[str, Any]
Result = dict[str, Any]
Operation = Callable[[RequestContext, Params], Result]

OPERATIONS: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    """Register ``func`` as the implementation of the KMS operation ``name``."""

    def register(func: Operation) -> Operation:
        if name in OPERATIONS:
            raise RuntimeError(f"KMS operation {name} is registered twice")
        OPERATIONS[name] = func
        return func

    return register
