"""Serialize an operation's result by its output shape, and errors as AWS sends them."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from kmsmock.errors import KmsError


class OutputShapeError(Exception):
    """An operation returned a member its output shape does not have (a kmsmock bug)."""


def serialize_result(operation: OperationModel, result: dict[str, Any]) -> bytes:
    shape = operation.output_shape
    if shape is None:
        return b"{}"
    return json.dumps(_structure(shape, result), separators=(",", ":")).encode()


def serialize_error(error: KmsError) -> bytes:
    return json.dumps({"__type": error.code, "message": error.message}).encode()


def _structure(shape: StructureShape, value: dict[str, Any]) -> dict[str, Any]:
    members = shape.members
    out: dict[str, Any] = {}
    for name, item in value.items():
        if item is None:
            continue
        member = members.get(name)
        if member is None:
            raise OutputShapeError(f"{shape.name} has no member {name!r}")
        out[name] = _value(member, item)
    return out


# Shapes whose JSON form is the Python value itself: most members, so they are checked first.
_AS_IS = frozenset({"string", "integer", "long", "boolean", "double", "float"})


def _value(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind in _AS_IS:
        return value
    if kind == "blob":
        return base64.b64encode(value).decode()
    if kind == "timestamp":
        assert isinstance(value, datetime)
        return value.timestamp()
    if isinstance(shape, StructureShape):
        return _structure(shape, value)
    if isinstance(shape, ListShape):
        return [_value(shape.member, item) for item in value]
    if isinstance(shape, MapShape):
        return {k: _value(shape.value, v) for k, v in value.items()}
    return value
