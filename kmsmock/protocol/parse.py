"""Parse a JSON 1.1 request body by the operation's input shape, validating as AWS does.

AWS (Coral) validates every member against the model's constraints and reports all failures
in one ``ValidationException``::

    1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy
    constraint: Member must have value less than or equal to 1024

Several failures are joined with ``; `` after ``N validation errors detected: ``. Member paths
are lower-camel-cased member names, list items are ``tags.1.member.tagKey`` (1-based).
Sensitive values are never echoed (``Value at 'plaintext' ...``); blobs are echoed as the
Java ``ByteBuffer`` AWS prints.

This runs on every request, so the happy path does only the checks: member paths and echoed
values are built only once a check has failed.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timezone
from functools import cache
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from kmsmock.aws import json_depth
from kmsmock.errors import KmsError
from kmsmock.protocol.enum_order import enum_display

_Errors = list[str]

# What Java's int and long hold: AWS cannot deserialize a number outside them.
_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def _serialization_error() -> KmsError:
    # AWS answers a body it cannot deserialize (bad JSON, a member of the wrong JSON type)
    # with SerializationException; its message is not known, so it is left empty.
    return KmsError("SerializationException", "")


def parse_request(operation: OperationModel, body: bytes) -> dict[str, Any]:
    """Decode and validate ``body``; raise ``KmsError`` exactly as AWS would reject it."""
    try:
        # Decoded from str rather than bytes, as json.loads would first guess the encoding: KMS
        # bodies are UTF-8 (anything else is a SerializationException). Nesting too deep to
        # decode is a body AWS cannot deserialize either.
        raw = json_depth.loads(body.decode("utf-8") if body else "{}")
    except (ValueError, UnicodeDecodeError):
        raise _serialization_error() from None
    shape = operation.input_shape
    if shape is None:
        return {}
    if not isinstance(raw, dict):
        raise _serialization_error()
    errors: _Errors = []
    params: dict[str, Any] = _structure(shape, raw, "", errors)
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise KmsError(
            "ValidationException",
            f"{len(errors)} validation {noun} detected: " + "; ".join(errors),
        )
    return params


@cache
def _camel(member: str) -> str:
    return member[:1].lower() + member[1:]


def _path(prefix: str, member: str) -> str:
    name = _camel(member)
    return f"{prefix}.{name}" if prefix else name


def _structure(shape: StructureShape, raw: dict[str, Any], path: str, errors: _Errors) -> Any:
    """Members in the model's order, so the errors come in one order whatever order the
    caller's JSON had (AWS validates a deserialized object, which has no member order)."""
    # The common case first: a valid request names a few of many optional members. Walk what
    # it has; only if that finds an error or a required member missing, walk the model's
    # members in order, so the errors come in AWS's order.
    members = shape.members
    found = len(errors)
    out: dict[str, Any] = {}
    for name, value in raw.items():
        member = members.get(name)
        if member is not None and value is not None:
            out[name] = _value(member, value, path, name, errors)
    if len(errors) == found and all(raw.get(name) is not None for name in shape.required_members):
        return out
    del errors[found:]
    out = {}
    required = shape.required_members
    for name, member in shape.members.items():
        value = raw.get(name)
        if value is None:  # absent or JSON null: AWS treats both as not set
            if name in required:
                errors.append(
                    f"Value null at '{_path(path, name)}' failed to satisfy constraint: "
                    "Member must not be null"
                )
            continue
        out[name] = _value(member, value, path, name, errors)
    return out  # members AWS does not know are ignored, as AWS ignores them


def _value(shape: Shape, value: Any, prefix: str, name: str, errors: _Errors) -> Any:
    """Check one member ``name`` under ``prefix`` (its path is built only on failure)."""
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            raise _serialization_error()
        meta = shape.metadata
        if meta:
            _check_string(shape, meta, value, prefix, name, errors)
        return value
    if kind == "blob":
        if not isinstance(value, str):
            raise _serialization_error()
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _serialization_error() from None
        meta = shape.metadata
        if _length_fails(meta, len(data)):
            shown = None if meta.get("sensitive") else _byte_buffer(len(data))
            _length_errors(meta, len(data), shown, _path(prefix, name), errors)
        return data
    if kind == "integer" or kind == "long":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _serialization_error()
        low, high = _INT_RANGE[kind]
        if not low <= value <= high:
            raise _serialization_error()
        _check_range(shape, value, prefix, name, errors)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _serialization_error()
        return value
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _serialization_error()
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise _serialization_error() from None
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            raise _serialization_error()
        return _structure(shape, value, _path(prefix, name), errors)
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise _serialization_error()
        path = _path(prefix, name)
        if _length_fails(shape.metadata, len(value)):
            _length_errors(shape.metadata, len(value), _java_repr(value), path, errors)
        return [
            _value(shape.member, item, path, f"{i}.member", errors)
            for i, item in enumerate(value, start=1)
            if item is not None
        ]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            raise _serialization_error()
        if _length_fails(shape.metadata, len(value)):
            path = _path(prefix, name)
            _length_errors(shape.metadata, len(value), _java_repr(value), path, errors)
        key_shape, value_shape = shape.key, shape.value
        return {
            _value(key_shape, k, prefix, name, errors): _value(value_shape, v, prefix, name, errors)
            for k, v in value.items()
        }
    return value


def _check_string(
    shape: Shape, meta: dict[str, Any], value: str, prefix: str, name: str, errors: _Errors
) -> None:
    enum = meta.get("enum")
    if enum is not None:
        if value not in enum:
            constraint = f"Member must satisfy enum value set: {enum_display(shape)}"
            errors.append(_fail(_shown(meta, value), _path(prefix, name), constraint))
        return
    if "min" in meta or "max" in meta:
        # Java counts UTF-16 code units (a lone surrogate, which JSON allows, counts as one).
        length = (
            len(value) if value.isascii() else len(value.encode("utf-16-le", "surrogatepass")) // 2
        )
        if _length_fails(meta, length):
            _length_errors(meta, length, _shown(meta, value), _path(prefix, name), errors)
    pattern = meta.get("pattern")
    if pattern is not None and not _compiled(pattern).fullmatch(value):
        constraint = f"Member must satisfy regular expression pattern: {pattern}"
        errors.append(_fail(_shown(meta, value), _path(prefix, name), constraint))


def _shown(meta: dict[str, Any], value: str) -> str | None:
    return None if meta.get("sensitive") else f"'{value}'"


def _length_fails(meta: dict[str, Any], length: int) -> bool:
    low, high = meta.get("min"), meta.get("max")
    return (low is not None and length < low) or (high is not None and length > high)


def _length_errors(
    meta: dict[str, Any], length: int, shown: str | None, path: str, errors: _Errors
) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and length < low:
        errors.append(_fail(shown, path, f"Member must have length greater than or equal to {low}"))
    if high is not None and length > high:
        errors.append(_fail(shown, path, f"Member must have length less than or equal to {high}"))


def _check_range(shape: Shape, value: int, prefix: str, name: str, errors: _Errors) -> None:
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    if low is not None and value < low:
        bound = f"greater than or equal to {low}"
    elif high is not None and value > high:
        bound = f"less than or equal to {high}"
    else:
        return
    errors.append(_fail(f"'{value}'", _path(prefix, name), f"Member must have value {bound}"))


def _fail(shown: str | None, path: str, constraint: str) -> str:
    value = f"Value {shown} at" if shown is not None else "Value at"
    return f"{value} '{path}' failed to satisfy constraint: {constraint}"


def _byte_buffer(length: int) -> str:
    """A blob as AWS echoes it: Java's ``toString`` of the ``ByteBuffer``."""
    return f"'java.nio.HeapByteBuffer[pos=0 lim={length} cap={length}]'"


def _java_repr(value: Any) -> str:
    """How Java's ``toString`` shows a list or map in AWS's messages (approximate for lists
    of structures, which AWS rarely echoes)."""

    def show(item: Any) -> str:
        if isinstance(item, dict):
            return "{" + ", ".join(f"{k}={show(v)}" for k, v in item.items()) + "}"
        if isinstance(item, list):
            return "[" + ", ".join(show(v) for v in item) + "]"
        return str(item)

    return f"'{show(value)}'"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # The model's patterns are Java regexes: there ``\w``, ``\d`` and ``\s`` match ASCII only.
    return re.compile(pattern, re.ASCII)
