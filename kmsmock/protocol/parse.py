"""Parse a JSON 1.1 request body by the operation's input shape, validating as AWS does.

AWS (Coral) validates every member against the model's constraints and reports all failures
in one ``ValidationException``::

    1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy
    constraint: Member must have value less than or equal to 1024

Several failures are joined with ``; `` after ``N validation errors detected: ``. Member paths
are lower-camel-cased member names, list items are ``tags.1.member.tagKey`` (1-based).
Sensitive values are never echoed (``Value at 'plaintext' ...``); blobs are echoed as the
Java ``ByteBuffer`` AWS prints.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timezone
from functools import cache
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from kmsmock.errors import KmsError
from kmsmock.protocol.enum_order import enum_display

_Errors = list[str]


def parse_request(operation: OperationModel, body: bytes) -> dict[str, Any]:
    """Decode and validate ``body``; raise ``KmsError`` exactly as AWS would reject it."""
    try:
        raw = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise KmsError("SerializationException", "") from None
    shape = operation.input_shape
    if shape is None:
        return {}
    if not isinstance(raw, dict):
        raise KmsError("SerializationException", "")
    errors: _Errors = []
    params: dict[str, Any] = _structure(shape, raw, "", errors)
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise KmsError(
            "ValidationException",
            f"{len(errors)} validation {noun} detected: " + "; ".join(errors),
        )
    return params


def _path(prefix: str, member: str) -> str:
    name = member[:1].lower() + member[1:]
    return f"{prefix}.{name}" if prefix else name


def _structure(shape: StructureShape, raw: dict[str, Any], prefix: str, errors: _Errors) -> Any:
    out: dict[str, Any] = {}
    members = shape.members
    for name in shape.required_members:
        if raw.get(name) is None:
            errors.append(
                f"Value null at '{_path(prefix, name)}' failed to satisfy constraint: "
                "Member must not be null"
            )
    for name, value in raw.items():
        member = members.get(name)
        if member is None or value is None:
            continue  # AWS ignores members it does not know
        out[name] = _value(member, value, _path(prefix, name), errors)
    return out


def _value(shape: Shape, value: Any, path: str, errors: _Errors) -> Any:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            raise KmsError("SerializationException", "")
        _check_string(shape, value, path, errors)
        return value
    if kind == "blob":
        if not isinstance(value, str):
            raise KmsError("SerializationException", "")
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise KmsError("SerializationException", "") from None
        _check_length(shape, len(data), _blob_display(shape, data), path, errors)
        return data
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise KmsError("SerializationException", "")
        _check_range(shape, value, path, errors)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise KmsError("SerializationException", "")
        return value
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise KmsError("SerializationException", "")
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            raise KmsError("SerializationException", "")
        return _structure(shape, value, path, errors)
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise KmsError("SerializationException", "")
        _check_length(shape, len(value), _java_repr(value), path, errors)
        return [
            _value(shape.member, item, f"{path}.{i}.member", errors)
            for i, item in enumerate(value, start=1)
            if item is not None
        ]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            raise KmsError("SerializationException", "")
        _check_length(shape, len(value), _java_repr(value), path, errors)
        return {
            _value(shape.key, k, path, errors): _value(shape.value, v, path, errors)
            for k, v in value.items()
        }
    return value


def _check_string(shape: Shape, value: str, path: str, errors: _Errors) -> None:
    meta = shape.metadata
    shown = None if meta.get("sensitive") else f"'{value}'"
    enum = meta.get("enum")
    if enum is not None and value not in enum:
        errors.append(
            _fail(shown, path, f"Member must satisfy enum value set: {enum_display(shape)}")
        )
        return
    if "min" in meta or "max" in meta:
        # Java counts UTF-16 code units.
        length = len(value) if value.isascii() else len(value.encode("utf-16-le")) // 2
        _check_length(shape, length, shown, path, errors)
    pattern = meta.get("pattern")
    if pattern is not None and not _compiled(pattern).fullmatch(value):
        errors.append(
            _fail(shown, path, f"Member must satisfy regular expression pattern: {pattern}")
        )


def _check_length(shape: Shape, length: int, shown: str | None, path: str, errors: _Errors) -> None:
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    if low is not None and length < low:
        errors.append(_fail(shown, path, f"Member must have length greater than or equal to {low}"))
    if high is not None and length > high:
        errors.append(_fail(shown, path, f"Member must have length less than or equal to {high}"))


def _check_range(shape: Shape, value: int, path: str, errors: _Errors) -> None:
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    shown = f"'{value}'"
    if low is not None and value < low:
        errors.append(_fail(shown, path, f"Member must have value greater than or equal to {low}"))
    if high is not None and value > high:
        errors.append(_fail(shown, path, f"Member must have value less than or equal to {high}"))


def _fail(shown: str | None, path: str, constraint: str) -> str:
    value = f"Value {shown} at" if shown is not None else "Value at"
    return f"{value} '{path}' failed to satisfy constraint: {constraint}"


def _blob_display(shape: Shape, data: bytes) -> str | None:
    if shape.metadata.get("sensitive"):
        return None
    return f"'java.nio.HeapByteBuffer[pos=0 lim={len(data)} cap={len(data)}]'"


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
    return re.compile(pattern)
