"""Serialize an operation's result by its output shape, and errors as AWS sends them.

Each output shape is compiled once into a converter (a plan), so a response costs one pass
over the result with no model lookups: serialization sits on every request's path.

Only what the loaded model defines is written. Operations build results for the newest model
kmsmock knows (``KeyMetadata.CurrentKeyMaterialId``, say); an older botocore's model lacks such
members, its client could not read them, and AWS answers each client by the same API anyway,
so a member the loaded output shape lacks is left out rather than failing the request.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from kmsmock.backend.prewritten import Prewritten
from kmsmock.errors import KmsError

# A converter from a Python value to its JSON form; None where the value is its own JSON form.
_Convert = Callable[[Any], Any] | None

_AS_IS = frozenset({"string", "integer", "long", "boolean", "double", "float"})
# No circular check: results are trees the operations build (a cycle would be a kmsmock bug,
# and would still fail, as RecursionError); the check costs a third of encoding a listing.
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def serialize_result(operation: OperationModel, result: dict[str, Any]) -> bytes:
    shape = operation.output_shape
    if shape is None:
        return b"{}"
    return _writer(shape)(result)


@cache
def _writer(shape: StructureShape) -> Callable[[dict[str, Any]], bytes]:
    """The whole response body for a result of ``shape``.

    Top-level blobs (a ciphertext, a plaintext) are written by concatenation: base64 never
    needs escaping, and the encoder's character-by-character escaping of the 1.4 KB base64 of
    a 1 KiB ciphertext cost more than all the rest of a response. A ``Prewritten`` result's
    members are spliced in the same way; the encoder writes the rest."""
    convert = _plan(shape)
    assert convert is not None
    members = shape.members
    blobs = {name: f'"{name}":"'.encode() for name, m in members.items() if m.type_name == "blob"}
    b64encode = base64.b64encode

    def write(result: dict[str, Any]) -> bytes:
        pieces: list[bytes] = []
        if type(result) is Prewritten:
            for name, written in result.wire.items():
                if name in members:  # else a member of a newer model: left out
                    pieces.append(f'"{name}":{written}'.encode())
        plain = result
        if blobs:
            plain = {}
            for name, value in result.items():
                head = blobs.get(name)
                if head is None:
                    plain[name] = value
                elif value is not None:
                    pieces.append(head + b64encode(value) + b'"')
        text = _encode(convert(plain)).encode()
        if not pieces:
            return text
        if text != b"{}":
            pieces.append(text[1:-1])
        return b"{" + b",".join(pieces) + b"}"

    return write


def serialize_error(error: KmsError) -> bytes:
    # AWS sends the errors it gives no text (InvalidCiphertextException from Decrypt,
    # KMSInvalidSignatureException, KMSInvalidMacException...) with no message member at all:
    # an empty one would add a top-level "message" to botocore's parsed error that AWS's
    # answer does not have (shared/spec/aws-recorded-errors.md, rows marked "(empty string)").
    if not error.message:
        return _encode({"__type": error.code}).encode()
    return _encode({"__type": error.code, "message": error.message}).encode()


def _blob(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _timestamp(value: datetime) -> float:
    return value.timestamp()


@cache
def _plan(shape: Shape) -> _Convert:
    kind = shape.type_name
    if kind in _AS_IS:
        return None
    if kind == "blob":
        return _blob
    if kind == "timestamp":
        return _timestamp
    if isinstance(shape, StructureShape):
        return _structure_plan(shape)
    if isinstance(shape, ListShape):
        item = _plan(shape.member)
        if item is None:
            return list
        member = shape.member
        if isinstance(member, StructureShape) and all(
            _plan(m) is None for m in member.members.values()
        ):
            return _flat_entries_plan(frozenset(member.members), item)
        return lambda value: [item(v) for v in value]
    if isinstance(shape, MapShape):
        entry = _plan(shape.value)
        if entry is None:
            return dict
        return lambda value: {k: entry(v) for k, v in value.items()}
    return None


def _flat_entries_plan(
    known: frozenset[str], item: Callable[[Any], Any]
) -> Callable[[list[Any]], list[Any]]:
    """A list of structures whose members are all their own JSON form (ListKeys' and
    ListAliases' entries): checked whole, in C, rather than entry by entry in Python; only a
    list with a member the model lacks or a None somewhere goes through ``item`` entry by entry."""
    values = dict.values
    chain = itertools.chain.from_iterable

    def convert(value: list[Any]) -> list[Any]:
        if all(map(known.issuperset, value)) and None not in chain(map(values, value)):
            return value
        return [item(v) for v in value]

    return convert


def _structure_plan(shape: StructureShape) -> Callable[[dict[str, Any]], dict[str, Any]]:
    members = {name: _plan(member) for name, member in shape.members.items()}
    known = frozenset(members)

    def convert(value: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, item in value.items():
            if item is None or name not in known:  # a member of a newer model: left out
                continue
            member = members[name]
            out[name] = item if member is None else member(item)
        return out

    if all(member is None for member in members.values()):
        # Every member is its own JSON form (ListKeys' and ListAliases' entries...): a result
        # that holds only known members and no None is already what goes on the wire.
        def as_is(value: dict[str, Any]) -> dict[str, Any]:
            # issuperset walks the dict's keys in C, with no view or set made per call.
            if known.issuperset(value) and None not in value.values():
                return value
            return convert(value)

        return as_is

    return convert
