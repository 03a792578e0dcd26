"""Parsing and validating policy documents: the IAM policy grammar as KMS accepts it.

``parse_policy`` turns JSON text into frozen dataclasses and raises ``PolicyError`` (whose
message becomes MalformedPolicyDocumentException's) for what KMS refuses. Checks that need the
outside world - principals that must exist, the lockout safety check, the size quota - belong
to the backend.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, NamedTuple

from kmsmock.aws import json_depth

PolicyKind = Literal["key", "identity"]
Effect = Literal["Allow", "Deny"]
# "*" (the whole Principal element is the string "*") or {"AWS": ("...",), "Service": (...)}.
Principals = Mapping[str, tuple[str, ...]] | Literal["*"]

VERSIONS = ("2008-10-17", "2012-10-17")
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")

# Recorded AWS texts (KMS MalformedPolicyDocumentException, quoted in many public issues).
NO_PRINCIPAL = "Policy contains a statement with no principal."
INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals."
# IAM's MalformedPolicyDocument texts, used by KMS too as far as is known [?].
INVALID_VERSION = "The policy must contain a valid version string"
DUPLICATE_SID = "Statement IDs (SID) in a single policy must be unique."
IDENTITY_PRINCIPAL = "Policy document should not specify a principal."
# The backend already answers a document that is not a JSON object with an empty message;
# kept so both paths agree.
NOT_JSON = ""
# kmsmock's own wording where no AWS text is known.
SYNTAX = "Syntax errors in policy."

_OPERATOR_BASES = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    }
)
SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")
IF_EXISTS = "IfExists"

_ACCOUNT = re.compile(r"\d{12}")
# The principal ARNs a key policy may name. A wildcard anywhere in them is invalid (only the
# bare "*" may stand for everyone).
_PRINCIPAL_ARN = re.compile(
    r"arn:[a-z-]+:(?:"
    r"iam::\d{12}:(?:root|user/[^*?]+|role/[^*?]+)"
    r"|sts::\d{12}:(?:assumed-role/[^/*?]+/[^*?]+|federated-user/[^*?]+)"
    r")"
)


class PolicyError(ValueError):
    """A document KMS refuses with MalformedPolicyDocumentException; ``message`` is AWS's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Condition(NamedTuple):
    """One operator/key test; ``values`` are ORed. The operator string is kept whole."""

    operator: str  # "StringEquals", "ForAnyValue:StringLike", "NumericLessThanIfExists", ...
    key: str  # as written in the policy (lookups are case-insensitive)
    values: tuple[str, ...]  # JSON numbers and booleans as their JSON text ("5", "true")


@dataclass(frozen=True, slots=True)
class Statement:
    sid: str | None
    effect: Effect
    principal: Principals | None = None
    not_principal: Principals | None = None
    # None when the element is absent. KMS accepts a key-policy statement without Action or
    # Resource and gives it no effect, so matching treats "neither present" as "matches nothing".
    action: tuple[str, ...] | None = None
    not_action: tuple[str, ...] | None = None
    resource: tuple[str, ...] | None = None
    not_resource: tuple[str, ...] | None = None
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class Policy:
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]

    @property
    def variables_enabled(self) -> bool:
        """Policy variables are substituted only in version 2012-10-17 documents (IAM UG,
        "IAM JSON policy elements: Version"); elsewhere ``${...}`` is literal text."""
        return self.version == "2012-10-17"


def split_operator(operator: str) -> tuple[str | None, str, bool] | None:
    """(set prefix or None, base operator, IfExists) of a valid operator, else None."""
    prefix: str | None = None
    for candidate in SET_PREFIXES:
        if operator.startswith(candidate):
            prefix = candidate[:-1]
            operator = operator[len(candidate) :]
            break
    if_exists = operator.endswith(IF_EXISTS) and operator != IF_EXISTS
    base = operator[: -len(IF_EXISTS)] if if_exists else operator
    if base not in _OPERATOR_BASES:
        return None
    # Null tests existence itself: neither IfExists nor a set prefix makes sense with it.
    if base == "Null" and (if_exists or prefix is not None):
        return None
    return prefix, base, if_exists


def parse_policy(text: str, kind: PolicyKind = "key") -> Policy:
    """Parse ``text`` as a key policy or an identity-based policy, as KMS/IAM validate it."""
    try:
        document = json_depth.loads(text)
    except ValueError:
        raise PolicyError(NOT_JSON) from None
    if not isinstance(document, dict):
        raise PolicyError(NOT_JSON)
    version = document.get("Version")
    if version is not None and version not in VERSIONS:
        raise PolicyError(INVALID_VERSION)
    policy_id = document.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        raise PolicyError(SYNTAX)
    unknown = set(document) - {"Version", "Id", "Statement"}
    if unknown or "Statement" not in document:
        raise PolicyError(SYNTAX)
    raw = document["Statement"]
    raw_statements = [raw] if isinstance(raw, dict) else raw
    if not isinstance(raw_statements, list) or not raw_statements:
        raise PolicyError(SYNTAX)
    statements = tuple(_statement(item, kind) for item in raw_statements)
    sids = [s.sid for s in statements if s.sid is not None]
    # IAM refuses repeated Sids; KMS key policies have them (AWS's own policy for the
    # aws/secretsmanager key repeats one), so only identity policies are held to it.
    if kind == "identity" and len(sids) != len(set(sids)):
        raise PolicyError(DUPLICATE_SID)
    return Policy(version=version, id=policy_id, statements=statements)


_STATEMENT_FIELDS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)


def _statement(raw: object, kind: PolicyKind) -> Statement:
    if not isinstance(raw, dict) or set(raw) - _STATEMENT_FIELDS:
        raise PolicyError(SYNTAX)
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(SYNTAX)
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(SYNTAX)
    for one, other in (("Action", "NotAction"), ("Resource", "NotResource")):
        if one in raw and other in raw:
            raise PolicyError(SYNTAX)
    has_principal = "Principal" in raw or "NotPrincipal" in raw
    if kind == "identity" and has_principal:
        raise PolicyError(IDENTITY_PRINCIPAL)
    if kind == "key" and not has_principal:
        raise PolicyError(NO_PRINCIPAL)
    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyError(SYNTAX)
    return Statement(
        sid=sid,
        effect="Allow" if effect == "Allow" else "Deny",
        principal=_principals(raw["Principal"]) if "Principal" in raw else None,
        not_principal=_principals(raw["NotPrincipal"]) if "NotPrincipal" in raw else None,
        action=_strings(raw["Action"]) if "Action" in raw else None,
        not_action=_strings(raw["NotAction"]) if "NotAction" in raw else None,
        resource=_strings(raw["Resource"]) if "Resource" in raw else None,
        not_resource=_strings(raw["NotResource"]) if "NotResource" in raw else None,
        conditions=_conditions(raw.get("Condition", {})),
    )


def _strings(value: object) -> tuple[str, ...]:
    """A string or a non-empty list of strings (IAM accepts both for every list element)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        raise PolicyError(SYNTAX)
    return tuple(items)


def _principals(value: object) -> Principals:
    if value == "*":
        return "*"
    if not isinstance(value, dict) or not value:
        raise PolicyError(INVALID_PRINCIPALS)
    result: dict[str, tuple[str, ...]] = {}
    for kind, raw in value.items():
        if kind not in PRINCIPAL_TYPES:
            raise PolicyError(INVALID_PRINCIPALS)
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items:
            raise PolicyError(INVALID_PRINCIPALS)
        for item in items:
            if not isinstance(item, str) or not _valid_principal(kind, item):
                raise PolicyError(INVALID_PRINCIPALS)
        result[kind] = tuple(items)
    return result


def _valid_principal(kind: str, value: str) -> bool:
    if kind == "AWS":
        return (
            value == "*"
            or _ACCOUNT.fullmatch(value) is not None
            or _PRINCIPAL_ARN.fullmatch(value) is not None
        )
    if kind == "Service":
        # Service principals are DNS names such as "lambda.amazonaws.com"; "*" is allowed too.
        return (
            value == "*" or re.fullmatch(r"[a-z0-9.-]+\.amazonaws\.com(?:\.cn)?", value) is not None
        )
    # Federated / CanonicalUser values are opaque; they never match a KMS caller.
    return bool(value) and "*" not in value


def _conditions(raw: object) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise PolicyError(SYNTAX)
    result: list[Condition] = []
    for operator, tests in raw.items():
        if split_operator(operator) is None or not isinstance(tests, dict) or not tests:
            raise PolicyError(SYNTAX)
        for key, values in tests.items():
            if not key:
                raise PolicyError(SYNTAX)
            result.append(Condition(operator, key, _condition_values(values)))
    return tuple(result)


def _condition_values(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise PolicyError(SYNTAX)
    values: list[str] = []
    for item in items:
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, str):
            values.append(item)
        elif isinstance(item, int | float):
            values.append(json.dumps(item))
        else:
            raise PolicyError(SYNTAX)
    return tuple(values)


@lru_cache(maxsize=256)
def parsed_policy(text: str, kind: str) -> Policy:
    """``parse_policy``, remembered: authorization asks about the same few documents on every
    request."""
    return parse_policy(text, kind=kind)  # type: ignore[arg-type]
