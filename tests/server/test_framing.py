"""Requests whose body boundary is ambiguous (request smuggling) are refused with an
AWS-shaped error, and their connection is closed: nothing after them is read as a request."""

from __future__ import annotations

import pytest

from kmsmock.server import LocalEndpoint

from ._helpers import JSON_11, call, exchange, responses, signed

HEAD = (
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: TrentService.ListKeys\r\n"
    b"Content-Type: application/x-amz-json-1.1\r\n"
)
# A second request hidden where a server reading the other header would see a body.
SMUGGLED = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

AMBIGUOUS = "the length of its body is ambiguous"
CASES = [
    # (id, headers, body, status, message)
    ("two equal Content-Length", b"Content-Length: 2\r\nContent-Length: 2\r\n", b"{}", 400,
     f"the request has 2 Content-Length headers: {AMBIGUOUS}"),
    ("conflicting Content-Length", b"Content-Length: 2\r\nContent-Length: 42\r\n",
     b"{}" + SMUGGLED, 400, f"the request has 2 Content-Length headers: {AMBIGUOUS}"),
    ("a list of lengths", b"Content-Length: 2, 2\r\n", b"{}", 400,
     "the Content-Length '2, 2' is not a number of bytes"),
    ("a signed length", b"Content-Length: +2\r\n", b"{}", 400,
     "the Content-Length '+2' is not a number of bytes"),
    ("not a number", b"Content-Length: nope\r\n", b"{}", 400,
     "the Content-Length 'nope' is not a number of bytes"),
    ("Transfer-Encoding and Content-Length",
     b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n" + SMUGGLED, 400,
     "the request has both a Transfer-Encoding and a Content-Length header: the length of "
     "its body is ambiguous"),
    ("Content-Length and Transfer-Encoding, other order",
     b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", b"0\r\n\r\n" + SMUGGLED, 400,
     "the request has both a Transfer-Encoding and a Content-Length header: the length of "
     "its body is ambiguous"),
    ("Transfer-Encoding alone", b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n" + SMUGGLED,
     411, "kmsmock's local endpoint needs a Content-Length; chunked bodies are not read"),
    ("a header line with a space before its colon", b"Content-Length : 44\r\n",
     b"{}" + SMUGGLED, 400, "the request has a malformed header line"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("headers", "body", "status", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_ambiguous_framing_is_refused_and_the_connection_closed(
    endpoint: LocalEndpoint, headers: bytes, body: bytes, status: int, message: str
) -> None:
    answered = responses(exchange(endpoint.url, HEAD + headers + b"\r\n" + body))
    # One answer, then the server closed the connection: the smuggled request is not served.
    assert len(answered) == 1
    got_status, got_headers, got_body = answered[0]
    assert (got_status, got_body) == (
        status,
        {"__type": "SerializationException", "message": message},
    )
    assert got_headers["content-type"] == JSON_11
    assert got_headers["connection"] == "close"
    status_now, _, listed = call(endpoint.url, "ListKeys")
    assert (status_now, listed["Keys"]) == (200, [])


def test_a_well_framed_request_keeps_its_connection(endpoint: LocalEndpoint) -> None:
    """The control: two requests on one connection are both answered, in order."""
    headers, body = signed(endpoint.url, "ListKeys")
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    first = f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n{lines}Content-Length: {len(body)}\r\n\r\n"
    second = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    answered = responses(exchange(endpoint.url, first.encode() + body + second))
    assert [status for status, _, _ in answered] == [200, 200]
    assert answered[0][2] == {"Keys": [], "Truncated": False}
    assert "connection" not in answered[0][1]
    assert answered[1][2]["status"] == "ok"
    assert answered[1][1]["connection"] == "close"
