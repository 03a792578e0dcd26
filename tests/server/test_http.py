"""The endpoint over raw HTTP: what is not a KMS request gets an AWS-shaped JSON error,
and the server survives every bad request (many clients at once: test_load.py)."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT, error_of

from kmsmock import KmsMock
from kmsmock.server import LocalEndpoint

from ._helpers import JSON_11, call, raw, signed


def read_all(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


def still_serves(endpoint: LocalEndpoint) -> None:
    status, _, body = call(endpoint.url, "ListKeys")
    assert status == 200, body
    assert "Keys" in body


def test_health(endpoint: LocalEndpoint) -> None:
    for path in ("/health", "/_kmsmock/health"):
        status, headers, body = raw(endpoint.url, "GET", path)
        assert status == 200
        assert headers["Content-Type"] == "application/json"
        assert body["status"] == "ok"
        assert body["account_id"] == ACCOUNT
        assert body["region"] == "us-east-1"


def test_a_signed_request_is_served(endpoint: LocalEndpoint) -> None:
    status, headers, body = call(endpoint.url, "CreateKey", {"Description": "raw"})
    assert status == 200
    assert headers["Content-Type"] == JSON_11
    assert len(headers["x-amzn-RequestId"]) == 36
    assert body["KeyMetadata"]["Description"] == "raw"
    assert body["KeyMetadata"]["Arn"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")


ERRORS: list[tuple[str, dict[str, Any], int, str, str]] = [
    # (case, request, status, code, message)
    ("GET /", {"method": "GET"}, 405, "UnknownOperationException", ""),
    ("PUT /", {"method": "PUT"}, 405, "UnknownOperationException", ""),
    ("DELETE /x", {"method": "DELETE", "path": "/x"}, 404, "UnknownOperationException", ""),
    ("POST /other", {"path": "/other"}, 404, "UnknownOperationException", ""),
    ("GET /nothing", {"method": "GET", "path": "/nothing"}, 404, "UnknownOperationException", ""),
    ("no target", {"target": None}, 400, "UnknownOperationException", ""),
    ("other service", {"target": "DynamoDB_20120810.ListTables"}, 400,
     "UnknownOperationException", ""),
    ("unknown operation", {"target": "TrentService.MakeCoffee"}, 400,
     "UnknownOperationException", ""),
    ("no content type", {"content_type": None}, 400, "UnknownOperationException", ""),
    ("wrong content type", {"content_type": "text/plain"}, 400, "UnknownOperationException", ""),
    ("malformed JSON", {"body": b"{not json"}, 400, "SerializationException", ""),
    ("JSON not an object", {"body": b"[1, 2]"}, 400, "SerializationException", ""),
    ("wrong member type", {"body": b'{"Limit": "ten"}'}, 400, "SerializationException", ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("request_", "status", "code", "message"),
    [case[1:] for case in ERRORS],
    ids=[case[0] for case in ERRORS],
)
def test_bad_requests_get_aws_shaped_errors(
    endpoint: LocalEndpoint, request_: dict[str, Any], status: int, code: str, message: str
) -> None:
    target = request_.get("target", "TrentService.ListKeys")
    content_type = request_.get("content_type", JSON_11)
    body = request_.get("body", b"{}")
    headers, body = signed(endpoint.url, "ListKeys", body=body)
    headers.pop("X-Amz-Target")
    headers.pop("Content-Type")
    if target is not None:
        headers["X-Amz-Target"] = target
    if content_type is not None:
        headers["Content-Type"] = content_type
    got = raw(
        endpoint.url,
        request_.get("method", "POST"),
        request_.get("path", "/"),
        headers=headers,
        body=body,
    )
    # An error with no text has no message member, as AWS sends its own (serialize_error).
    expected = {"__type": code, "message": message} if message else {"__type": code}
    assert (got[0], got[2]) == (status, expected)
    assert got[1]["Content-Type"] == JSON_11
    still_serves(endpoint)


def test_unsigned_requests_are_refused(endpoint: LocalEndpoint) -> None:
    headers = {"X-Amz-Target": "TrentService.ListKeys", "Content-Type": JSON_11}
    status, _, body = raw(endpoint.url, headers=headers, body=b"{}")
    assert (status, body) == (
        400,
        {
            "__type": "MissingAuthenticationTokenException",
            "message": "Request is missing Authentication Token",
        },
    )
    still_serves(endpoint)


def test_an_incomplete_signature(endpoint: LocalEndpoint) -> None:
    header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/kms/aws4_request"
    headers = {
        "X-Amz-Target": "TrentService.ListKeys",
        "Content-Type": JSON_11,
        "Authorization": header,
        "X-Amz-Date": "20240101T000000Z",
    }
    status, _, body = raw(endpoint.url, headers=headers, body=b"{}")
    assert (status, body) == (
        400,
        {
            "__type": "IncompleteSignatureException",
            "message": "Authorization header requires 'Signature' parameter. Authorization "
            f"header requires 'SignedHeaders' parameter. Authorization={header}",
        },
    )


def test_issued_credentials_are_verified(kms: KmsMock, endpoint: LocalEndpoint) -> None:
    """Credentials whose secret the world knows must be signed with that secret."""
    from kmsmock.backend.principals import caller_of, issue_credentials

    creds = issue_credentials(endpoint.world.access, caller_of(f"arn:aws:iam::{ACCOUNT}:root"))
    good = endpoint.client(**creds)
    assert good.list_keys()["Keys"] == []
    tampered = endpoint.client(**{**creds, "aws_secret_access_key": "not-the-secret"})
    with pytest.raises(ClientError) as excinfo:
        tampered.list_keys()
    assert error_of(excinfo) == (
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service "
        "documentation for details.",
    )
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # A body changed after signing fails too.
    headers, body = signed(
        endpoint.url,
        "ListKeys",
        access_key=creds["aws_access_key_id"],
        secret_key=creds["aws_secret_access_key"],
        token=creds["aws_session_token"],
    )
    assert raw(endpoint.url, headers=headers, body=body)[0] == 200
    status, _, answer = raw(endpoint.url, headers=headers, body=b'{"Limit":1}')
    assert (status, answer["__type"]) == (400, "InvalidSignatureException")


def test_unknown_access_keys_act_as_the_account_root(endpoint: LocalEndpoint) -> None:
    client = endpoint.client(aws_access_key_id="AKIAANYTHING", aws_secret_access_key="anything")
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    assert [e.principal for e in endpoint.world.events.snapshot()] == [
        f"arn:aws:iam::{ACCOUNT}:root"
    ]
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["AWSAccountId"] == ACCOUNT


def test_a_body_over_the_limit() -> None:
    with LocalEndpoint(max_body=1000) as small:
        headers, body = signed(small.url, "Encrypt", body=b'{"Plaintext":"' + b"A" * 2000 + b'"}')
        status, _, answer = raw(small.url, headers=headers, body=body)
        assert (status, answer) == (
            413,
            {
                "__type": "RequestEntityTooLargeException",
                "message": f"the request body of {len(body)} bytes is larger than this local "
                "endpoint's limit of 1000 bytes (kmsmock serve --max-body)",
            },
        )
        still_serves(small)
        # Up to the limit is served (and validated by KMS's own rules).
        headers, body = signed(small.url, "GenerateRandom", body=b'{"NumberOfBytes": 32}')
        assert raw(small.url, headers=headers, body=body)[0] == 200


def test_chunked_bodies_are_refused(endpoint: LocalEndpoint) -> None:
    host, port = endpoint.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.ListKeys\r\n"
            b"Content-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"2\r\n{}\r\n0\r\n\r\n"
        )
        answer = read_all(sock).decode()
    assert answer.startswith("HTTP/1.1 411 ")
    assert '"__type":"SerializationException"' in answer
    still_serves(endpoint)


@pytest.mark.parametrize(
    "wire",
    [
        b"GARBAGE\r\n\r\n",
        b'POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"partial',  # then hangs up
        b"POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n{}",
        b"BREW / HTTP/1.1\r\n\r\n",
        b"",
    ],
    ids=["garbage", "hang-up-mid-body", "bad-length", "unknown-method", "connect-only"],
)
def test_broken_clients_do_not_stop_the_server(endpoint: LocalEndpoint, wire: bytes) -> None:
    host, port = endpoint.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(wire)
        sock.shutdown(socket.SHUT_WR)
        answer = read_all(sock)
    if answer.startswith(b"HTTP/"):
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"Content-Type: application/x-amz-json-1.1" in head
        assert "__type" in json.loads(body)
    elif answer:  # an HTTP/0.9 request line gets a bare body: JSON too, never an HTML page
        assert json.loads(answer)["__type"] == "SerializationException"
    still_serves(endpoint)


def test_endpoint_usage_errors() -> None:
    from kmsmock import KmsMockUsageError, mock_kms

    with pytest.raises(KmsMockUsageError, match="not running"):
        _ = LocalEndpoint().url
    with pytest.raises(KmsMockUsageError, match="port must be"):
        LocalEndpoint(port=70000)
    with pytest.raises(KmsMockUsageError, match="has not been started"):
        LocalEndpoint(mock_kms()).start()
    running = LocalEndpoint().start()
    try:
        with pytest.raises(KmsMockUsageError, match="already running"):
            running.start()
    finally:
        running.stop()
    running.stop()  # idempotent
