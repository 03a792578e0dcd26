"""The Condition element: every IAM operator family, set prefixes, IfExists, policy variables.

Semantics follow the IAM User Guide, "IAM JSON policy elements: Condition operators",
"Multivalued context keys" and "Policy variables":
- several values for one key are ORed; several keys or operators are ANDed (``conditions_hold``);
- a negated operator (StringNotEquals, ArnNotLike, NotIpAddress, ...) is true when the request
  value equals none of the policy values, and true when the key is missing;
- ``...IfExists`` is true when the key is missing;
- ``ForAllValues:`` is true for a missing key or an empty set, ``ForAnyValue:`` false;
- condition key names are case-insensitive, values are compared as the operator says.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from kmsmock.policy.document import Condition, split_operator
from kmsmock.policy.model import AuthRequest, ContextValue
from kmsmock.policy.wildcard import compile_segments

_NEGATED = frozenset(
    {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    }
)
# The positive operator whose result a negated one inverts.
_POSITIVE_OF = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
# Policy variables are substituted in the values of these operator families only (IAM UG:
# variables in Condition values work with string and ARN operators).
_VARIABLE_FAMILIES = ("String", "Arn")


class ConditionContext:
    """A request's condition keys, looked up case-insensitively, with IAM's derived global keys.

    Keys present in ``AuthRequest.context`` win over derived ones, so the backend can override.
    """

    __slots__ = ("_request", "_built")

    def __init__(self, request: AuthRequest) -> None:
        # Built on the first lookup: most statements have no condition, and most requests
        # then never need the keys at all.
        self._request = request
        self._built: dict[str, ContextValue] | None = None

    def _values(self) -> dict[str, ContextValue]:
        built = self._built
        if built is None:
            built = self._built = self._build(self._request)
        return built

    @staticmethod
    def _build(request: AuthRequest) -> dict[str, ContextValue]:
        caller = request.caller
        values: dict[str, ContextValue] = {
            "aws:currenttime": request.now,
            "aws:epochtime": int(_utc(request.now).timestamp()),
            "aws:principalarn": caller.principal_arn,
            "aws:principalaccount": caller.account,
            "aws:principaltype": caller.principal_type,
            "kms:calleraccount": caller.account,
        }
        if caller.principal_type == "User":
            values["aws:username"] = caller.arn.rsplit("/", 1)[-1]
        if caller.via_service is not None:
            values["kms:viaservice"] = caller.via_service
        for tag, tag_value in caller.tags.items():
            values[f"aws:principaltag/{tag.lower()}"] = tag_value
        for key, value in request.context.items():
            values[key.lower()] = value
        return values

    def get(self, key: str) -> ContextValue | None:
        return self._values().get(key.lower())


def as_context(request: AuthRequest | ConditionContext) -> ConditionContext:
    return request if isinstance(request, ConditionContext) else ConditionContext(request)


def conditions_hold(
    conditions: Iterable[Condition],
    request: AuthRequest | ConditionContext,
    *,
    variables: bool = True,
) -> bool:
    """True when every condition holds (keys and operators are ANDed)."""
    context = as_context(request)
    return all(
        condition_holds(c.operator, c.key, c.values, context, variables=variables)
        for c in conditions
    )


def condition_holds(
    operator: str,
    key: str,
    values: Sequence[str],
    request: AuthRequest | ConditionContext,
    *,
    variables: bool = True,
) -> bool:
    """Whether one condition (``"StringEquals": {key: values}``) holds for ``request``.

    ``variables`` turns policy-variable substitution on (version 2012-10-17 documents).
    An operator ``parse_policy`` would refuse raises ValueError.
    """
    parts = split_operator(operator)
    if parts is None:
        raise ValueError(f"unknown condition operator {operator!r}")
    prefix, base, if_exists = parts
    context = as_context(request)
    actual = context.get(key)
    request_values = _request_values(actual)

    if base == "Null":
        # "true" asks for the key to be absent, "false" for it to be present; values ORed.
        absent = not request_values
        return any((v.lower() == "true") == absent for v in values if v.lower() in _BOOLS)

    if not request_values:
        if if_exists or prefix == "ForAllValues":
            return True
        if prefix == "ForAnyValue":
            return False
        return base in _NEGATED

    use_variables = variables and base.startswith(_VARIABLE_FAMILIES)
    positive = _POSITIVE_OF.get(base, base)
    matcher = _MATCHERS[positive]
    expanded = [_expand(v, context) if use_variables else [(v, True)] for v in values]

    def one(value: str | bool | int | float | datetime) -> bool:
        hit = any(matcher(value, pv) for pv in expanded if pv is not None)
        return not hit if base in _NEGATED else hit

    if prefix == "ForAllValues":
        return all(one(v) for v in request_values)
    if prefix == "ForAnyValue":
        return any(one(v) for v in request_values)
    if base in _NEGATED:
        # A multi-valued key under a plain negated operator: none of its values may match.
        return all(one(v) for v in request_values)
    return any(one(v) for v in request_values)


_BOOLS = ("true", "false")
Scalar = str | bool | int | float | datetime
# A policy value after variable substitution: (text, wildcards active) segments. Text that came
# from a variable (or ${*}, ${?}) is literal even in a Like operator.
Segments = list[tuple[str, bool]]


def _request_values(actual: ContextValue | None) -> list[Scalar]:
    if actual is None:
        return []
    if isinstance(actual, str | bool | int | float | datetime):
        return [actual]
    return list(actual)


# --- policy variables -------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"\s*([^,\s]+)\s*,\s*'((?:[^']|'')*)'\s*")


def _expand(value: str, context: ConditionContext) -> Segments | None:
    """Substitute ``${key}``, ``${key, 'default'}``, ``${*}``, ``${?}``, ``${$}``.

    None when a variable has no value and no default: the policy value then matches nothing
    (IAM UG, "Policy variables with no value").
    """
    segments: Segments = []
    pos = 0
    for match in _VARIABLE.finditer(value):
        if match.start() > pos:
            segments.append((value[pos : match.start()], True))
        pos = match.end()
        body = match.group(1)
        if body in ("*", "?", "$"):
            segments.append((body, False))
            continue
        default: str | None = None
        name = body.strip()
        with_default = _DEFAULT.fullmatch(body)
        if with_default is not None:
            name, default = with_default.group(1), with_default.group(2).replace("''", "'")
        resolved = context.get(name)
        text = _variable_text(resolved)
        if text is None:
            if default is None:
                return None
            text = default
        segments.append((text, False))
    if pos < len(value):
        segments.append((value[pos:], True))
    return segments


def _variable_text(value: ContextValue | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    # Multi-valued keys cannot be used as variables.
    return None


def _plain(segments: Segments) -> str:
    return "".join(text for text, _ in segments)


def substitute(value: str, request: AuthRequest | ConditionContext) -> Segments | None:
    """Public form of variable substitution for Resource elements (evaluate.py)."""
    return _expand(value, as_context(request))


# --- matchers: (request value, policy value segments) -> bool ---------------------------------


def _text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _iso(value)
    return str(value)


def _string_equals(value: Scalar, policy: Segments) -> bool:
    return _text(value) == _plain(policy)


def _string_equals_ignore_case(value: Scalar, policy: Segments) -> bool:
    return _text(value).casefold() == _plain(policy).casefold()


def _string_like(value: Scalar, policy: Segments) -> bool:
    return compile_segments(tuple(policy)).fullmatch(_text(value))


def _number(value: Scalar | str) -> Decimal | None:
    if isinstance(value, bool | datetime):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _numeric(compare: Callable[[Decimal, Decimal], bool]) -> Callable[[Scalar, Segments], bool]:
    def matcher(value: Scalar, policy: Segments) -> bool:
        left, right = _number(value), _number(_plain(policy))
        if left is None or right is None or not left.is_finite() or not right.is_finite():
            return False
        return compare(left, right)

    return matcher


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _iso(moment: datetime) -> str:
    return _utc(moment).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(value: Scalar | str) -> datetime | None:
    """Dates as IAM takes them: ISO 8601 (date, date-time, with or without zone) or epoch
    seconds."""
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    if re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        try:
            return datetime.fromtimestamp(float(text), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        return None


def _dated(compare: Callable[[datetime, datetime], bool]) -> Callable[[Scalar, Segments], bool]:
    def matcher(value: Scalar, policy: Segments) -> bool:
        left, right = _date(value), _date(_plain(policy))
        return left is not None and right is not None and compare(left, right)

    return matcher


def _bool(value: Scalar, policy: Segments) -> bool:
    expected = _plain(policy).lower()
    if isinstance(value, bool):
        actual = "true" if value else "false"
    elif isinstance(value, str):
        actual = value.lower()
    else:
        return False
    return expected in _BOOLS and actual == expected


def _binary(value: Scalar, policy: Segments) -> bool:
    # Binary context values reach the engine base64-encoded, as policies write them.
    if not isinstance(value, str):
        return False
    try:
        return base64.b64decode(value, validate=True) == base64.b64decode(
            _plain(policy), validate=True
        )
    except (binascii.Error, ValueError):
        return False


def _ip(value: Scalar, policy: Segments) -> bool:
    if not isinstance(value, str):
        return False
    try:
        address = ipaddress.ip_address(value.strip())
        network = ipaddress.ip_network(_plain(policy).strip(), strict=False)
    except ValueError:
        return False
    return address.version == network.version and address in network


def _arn_parts(text: str) -> list[str] | None:
    parts = text.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def _arn_like(value: Scalar, policy: Segments) -> bool:
    """ArnEquals and ArnLike behave alike in IAM: each of the six colon-separated parts is
    matched on its own, case-sensitively, with ``*`` and ``?`` wildcards."""
    if not isinstance(value, str):
        return False
    actual = _arn_parts(value)
    pattern = _split_segments(policy)
    if actual is None or pattern is None:
        return False
    return all(
        compile_segments(tuple(p)).fullmatch(a) for a, p in zip(actual, pattern, strict=True)
    )


def _split_segments(segments: Segments) -> list[Segments] | None:
    """Split substituted policy text at its first five colons (wherever they came from, so a
    whole ARN from ``${aws:PrincipalArn}`` splits too), keeping each piece's literalness."""
    parts: list[Segments] = [[]]
    for text, wild in segments:
        piece = ""
        for char in text:
            if char == ":" and len(parts) < 6:
                parts[-1].append((piece, wild))
                parts.append([])
                piece = ""
            else:
                piece += char
        parts[-1].append((piece, wild))
    if len(parts) != 6 or _plain(parts[0]) != "arn":
        return None
    return parts


_MATCHERS: Mapping[str, Callable[[Scalar, Segments], bool]] = {
    "StringEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ignore_case,
    "StringLike": _string_like,
    "NumericEquals": _numeric(lambda a, b: a == b),
    "NumericLessThan": _numeric(lambda a, b: a < b),
    "NumericLessThanEquals": _numeric(lambda a, b: a <= b),
    "NumericGreaterThan": _numeric(lambda a, b: a > b),
    "NumericGreaterThanEquals": _numeric(lambda a, b: a >= b),
    "DateEquals": _dated(lambda a, b: a == b),
    "DateLessThan": _dated(lambda a, b: a < b),
    "DateLessThanEquals": _dated(lambda a, b: a <= b),
    "DateGreaterThan": _dated(lambda a, b: a > b),
    "DateGreaterThanEquals": _dated(lambda a, b: a >= b),
    "Bool": _bool,
    "BinaryEquals": _binary,
    "IpAddress": _ip,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
}
