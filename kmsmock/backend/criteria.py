"""What a test selects KMS requests by (operation names, keys, principals), checked when the test
gives them.

A selection that can never match is a ``KmsMockUsageError`` at the line that made it, with a
did-you-mean, never a silent empty result: ``assert not kms.events.filter(operation="Decrpyt")``
would otherwise pass whatever the code did. ``KmsMock.events.filter`` (audit.py) and fault
rules (faults.py) use these checks. The shapes are checked here; whether a key or alias exists
is each caller's question (an event filter asks the world, a fault rule may come before its key).

Imports beyond ``kmsmock.errors`` happen inside the functions: audit.py imports this module, and
audit.py is on every request's path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Literal, NamedTuple, ParamSpec, TypeVar

from kmsmock.errors import KmsMockUsageError, did_you_mean

if TYPE_CHECKING:
    from kmsmock.backend.state import World

P = ParamSpec("P")
R = TypeVar("R")

# The events KMS makes itself carry CloudTrail's names for them (backend/lifecycle.py), which no
# API operation has.
SERVICE_EVENTS = frozenset({"RotateKey", "DeleteKey"})
KEY_FORMS = "a key ID, key ARN, alias name (alias/<name>) or alias ARN"
PRINCIPAL_FORMS = (
    "an account root, user or role ARN (arn:aws:iam::<12 digits>:root, ...:user/<name>, "
    "...:role/<name>) or an assumed-role session's (arn:aws:sts::<12 digits>:assumed-role/"
    "<role>/<session>)"
)
# AWS's rule for alias names (CreateAlias: "alias/" then letters, digits, /_-).
_ALIAS_NAME = re.compile(r"alias/[a-zA-Z0-9/_-]{1,250}")
_ACCOUNT = re.compile(r"[0-9]{12}")


class KeyName(NamedTuple):
    """A key as a test names it. A key ID or alias name names no account or Region: it is
    looked up where the request (or the filter) is."""

    kind: Literal["key", "alias"]
    name: str  # the key ID, or the alias name with its "alias/" prefix
    account: str | None = None
    region: str | None = None


def check_operation(operation: object, *, also: Iterable[str] = ()) -> str:
    """``operation`` if it is a KMS API operation's name (or one of ``also``)."""
    if not isinstance(operation, str):
        raise KmsMockUsageError(
            f"operation must be a KMS operation's name, like 'Decrypt'; got {operation!r}"
        )
    from kmsmock.aws.service_model import operation_names

    names = operation_names()
    also = frozenset(also)
    if operation in names or operation in also:
        return operation
    hint = did_you_mean(operation, sorted(names | also))
    raise KmsMockUsageError(
        f"{operation!r} is not a KMS operation{hint}"
        if hint
        else f"{operation!r} is not a KMS operation; use its API name, like 'Encrypt' or "
        "'GenerateDataKey' (kmsmock.aws.service_model.operation_names() lists them)"
    )


def check_key(value: object, *, known: Callable[[], Iterable[str]] = tuple) -> KeyName:
    """What ``value`` names if it is shaped as a key ID, key ARN, alias name or alias ARN;
    ``known()`` gives the names a misspelt one is compared with."""
    if isinstance(value, str):
        from kmsmock.backend.identifiers import is_key_id, parse_arn

        if value.startswith("arn:"):
            arn = parse_arn(value)
            if (
                arn is not None
                and _ACCOUNT.fullmatch(arn.account)
                and arn.region
                and (
                    is_key_id(arn.resource)
                    if arn.resource_type == "key"
                    else _ALIAS_NAME.fullmatch(arn.resource)
                )
            ):
                kind: Literal["key", "alias"] = "key" if arn.resource_type == "key" else "alias"
                return KeyName(kind, arn.resource, arn.account, arn.region)
        elif _ALIAS_NAME.fullmatch(value):
            return KeyName("alias", value)
        elif is_key_id(value):
            return KeyName("key", value)
    hint = did_you_mean(value, known()) if isinstance(value, str) else ""
    raise KmsMockUsageError(f"key must be {KEY_FORMS}; got {value!r}{hint}")


def check_principal(value: object, *, known: Callable[[], Iterable[str]] = tuple) -> str:
    """``value`` if it is shaped as a principal's ARN, as ``KmsMock.credentials`` takes it."""
    from kmsmock.backend.principals import is_principal_arn

    if isinstance(value, str) and is_principal_arn(value):
        return value
    hint = did_you_mean(value, known()) if isinstance(value, str) else ""
    raise KmsMockUsageError(f"principal must be {PRINCIPAL_FORMS}; got {value!r}{hint}")


def known_keys(world: World) -> list[str]:
    """The key IDs, alias names and alias ARNs of ``world``, to suggest from."""
    found: list[str] = []
    with world.lock:
        for state in world.regions.values():
            found.extend(state.keys)
            for alias in state.aliases.values():
                found += (alias.name, alias.arn)
    return found


def known_principals(world: World) -> set[str]:
    """The principals ``world`` has issued credentials for, to suggest from."""
    with world.lock:
        callers = list(world.access.callers.values())
    return {arn for caller in callers for arn in (caller.arn, caller.principal_arn)}
