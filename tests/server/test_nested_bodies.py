"""Request bodies nested too deep for a JSON decoder's recursion, sent over raw HTTP to the
local endpoint: a SerializationException, as for any body AWS cannot deserialize."""

from __future__ import annotations

import pytest

from kmsmock.server import LocalEndpoint

from ._helpers import JSON_11, call, raw, signed

DEEP = 100_000

BODIES = [
    ("arrays", b"[" * DEEP + b"]" * DEEP),
    ("objects", b'{"a":' * DEEP + b"1" + b"}" * DEEP),
    ("an unknown member", b'{"Limit": 10, "Extra": ' + b"[" * DEEP + b"]" * DEEP + b"}"),
    ("a known member", b'{"Limit": ' + b"[" * DEEP + b"]" * DEEP + b"}"),
    ("never closed", b'{"Limit": 10, "Extra": ' + b"[" * DEEP),
]


@pytest.mark.parametrize("body", [b for _, b in BODIES], ids=[name for name, _ in BODIES])
def test_deeply_nested_bodies_are_serialization_errors(
    endpoint: LocalEndpoint, body: bytes
) -> None:
    headers, body = signed(endpoint.url, "ListKeys", body=body)
    status, answer_headers, answer = raw(endpoint.url, headers=headers, body=body)
    assert (status, answer) == (400, {"__type": "SerializationException"})
    assert answer_headers["Content-Type"] == JSON_11
    assert call(endpoint.url, "ListKeys")[:3:2] == (200, {"Keys": [], "Truncated": False})


def test_brackets_inside_strings_are_not_nesting(endpoint: LocalEndpoint) -> None:
    # Thousands of brackets, all in strings (escaped quotes too), in a member AWS ignores: the
    # request is served.
    text = '[{\\"' * 2_000
    body = b'{"Limit": 1, "Extra": ["' + text.encode() + b'"]}'
    headers, body = signed(endpoint.url, "ListKeys", body=body)
    status, _, answer = raw(endpoint.url, headers=headers, body=body)
    assert (status, answer) == (200, {"Keys": [], "Truncated": False})


def test_nesting_within_the_limit_is_decoded(endpoint: LocalEndpoint) -> None:
    # 400 levels in a member AWS ignores: read and ignored, as AWS's decoder would.
    body = b'{"Limit": 1, "Extra": ' + b"[" * 400 + b"]" * 400 + b"}"
    headers, body = signed(endpoint.url, "ListKeys", body=body)
    status, _, answer = raw(endpoint.url, headers=headers, body=body)
    assert (status, answer) == (200, {"Keys": [], "Truncated": False})
