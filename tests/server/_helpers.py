"""Raw HTTP, signing and AWS CLI helpers for the local endpoint's tests."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

JSON_11 = "application/x-amz-json-1.1"


def raw(
    url: str,
    method: str = "POST",
    path: str = "/",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tuple[int, dict[str, str], Any]:
    """Send one request with http.client: (status, headers, the body as JSON if it is)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), _json(data)
    finally:
        connection.close()


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data


def signed(
    url: str,
    operation: str,
    params: dict[str, Any] | None = None,
    *,
    access_key: str = "AKIAEXAMPLEEXAMPLE00",
    secret_key: str = "secret",
    token: str | None = None,
    region: str = "us-east-1",
    body: bytes | None = None,
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a KMS request signed by botocore's own SigV4 signer."""
    data = json.dumps(params or {}).encode() if body is None else body
    request = AWSRequest(
        method="POST",
        url=url + "/",
        data=data,
        headers={"X-Amz-Target": f"TrentService.{operation}", "Content-Type": JSON_11},
    )
    SigV4Auth(Credentials(access_key, secret_key, token), "kms", region).add_auth(request)
    return dict(request.headers.items()), data


def call(url: str, operation: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
    headers, body = signed(url, operation, params, **kw)
    return raw(url, headers=headers, body=body)


def aws(
    url: str, *args: str, region: str = "us-east-1", creds: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real AWS CLI (``python -m awscli``) against the endpoint, with no config file."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_ACCESS_KEY_ID=(creds or {}).get("aws_access_key_id", "AKIACLIEXAMPLE000000"),
        AWS_SECRET_ACCESS_KEY=(creds or {}).get("aws_secret_access_key", "cli-secret"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )
    if creds and "aws_session_token" in creds:
        env["AWS_SESSION_TOKEN"] = creds["aws_session_token"]
    return subprocess.run(
        [sys.executable, "-m", "awscli", "kms", *args, "--endpoint-url", url, "--region", region],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def http_client(url: str, **kwargs: Any) -> Any:
    """A boto3 KMS client sending to ``url`` over HTTP, whether or not a mock is active."""
    import boto3

    kwargs.setdefault("region_name", "us-east-1")
    kwargs.setdefault("aws_access_key_id", "AKIAHTTPEXAMPLE00000")
    kwargs.setdefault("aws_secret_access_key", "http-secret")
    client = boto3.client("kms", endpoint_url=url, **kwargs)
    client.meta.events.unregister("before-send.kms", unique_id="kmsmock-before-send")
    client.meta.events.unregister("before-sign.kms", unique_id="kmsmock-before-sign")
    return client


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def exchange(url: str, wire: bytes, *, timeout: float = 5) -> bytes:
    """Send ``wire`` on a new connection and read until the server closes it (a socket
    timeout, failing the test, if it never does)."""
    with socket.create_connection(address(url), timeout=timeout) as sock:
        sock.sendall(wire)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def responses(data: bytes) -> list[tuple[int, dict[str, str], Any]]:
    """The HTTP responses in ``data``, one after another: (status, headers with lower-case
    names, body as JSON if it is)."""
    found = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers["content-length"])
        found.append((int(status_line.split()[1]), headers, _json(rest[:length])))
        data = rest[length:]
    return found
