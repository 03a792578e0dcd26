"""One log line per request on "kmsmock.server": operation, status, time, principal; never
what the request carried (plaintexts, ciphertexts, data keys, secrets)."""

from __future__ import annotations

import base64
import json
import logging
import re
import time

import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT

from kmsmock import KmsMock
from kmsmock.server import LocalEndpoint
from kmsmock.server.logs import JsonFormatter

from ._helpers import call, raw, signed

ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def server_records(caplog: pytest.LogCaptureFixture, count: int) -> list[logging.LogRecord]:
    # Each line is written once the answer has left: the last may trail its client a little.
    deadline = time.monotonic() + 5
    while True:
        records = [r for r in caplog.records if r.name == "kmsmock.server"]
        if len(records) >= count or time.monotonic() > deadline:
            return records
        time.sleep(0.01)


def test_each_request_is_logged(endpoint: LocalEndpoint, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="kmsmock.server"):
        call(endpoint.url, "ListKeys")
        call(endpoint.url, "DescribeKey", {"KeyId": "alias/none"})
        raw(endpoint.url, "GET", "/health")
        raw(endpoint.url, "POST", "/", headers={"X-Amz-Target": "TrentService.ListKeys"})
        lines = [r.getMessage() for r in server_records(caplog, 4)]
    # One thread per connection, each logging after its answer left: any order.
    assert sorted(re.sub(r" [0-9]+\.[0-9]ms ", " <ms> ", line) for line in lines) == [
        f"DescribeKey 400 <ms> {ROOT}",
        f"ListKeys 200 <ms> {ROOT}",
        "ListKeys 400 <ms> -",  # unsigned: no principal
        "health 200 <ms> -",
    ]


def test_the_principal_is_the_callers(kms: KmsMock, caplog: pytest.LogCaptureFixture) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/reader"
    with LocalEndpoint(kms) as endpoint, caplog.at_level(logging.INFO, logger="kmsmock.server"):
        client = endpoint.client(**kms.credentials(role))
        with pytest.raises(ClientError):
            client.create_key()
        (record,) = server_records(caplog, 1)
    fields = getattr(record, "kmsmock_request")  # noqa: B009 (set by logging's extra)
    assert fields["operation"] == "CreateKey"
    assert fields["status"] == 400
    assert fields["principal"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/kmsmock"
    assert fields["client"] == "127.0.0.1"
    assert isinstance(fields["duration_ms"], float)
    (event,) = kms.world.events.snapshot()
    assert fields["request_id"] == event.request_id


def test_nothing_a_request_carries_is_logged(
    kms: KmsMock, caplog: pytest.LogCaptureFixture
) -> None:
    """At every level, through every path (served, failed, refused, malformed), no log line
    holds a plaintext, a ciphertext, a data key or a secret key, in any encoding."""
    plaintext = b"TOP-SECRET-PLAINTEXT-4242"
    role = f"arn:aws:iam::{ACCOUNT}:role/app"
    credentials = kms.credentials(role)
    with LocalEndpoint(kms) as endpoint, caplog.at_level(logging.DEBUG):
        admin = endpoint.client()
        key_id = admin.create_key()["KeyMetadata"]["KeyId"]
        blob = admin.encrypt(KeyId=key_id, Plaintext=plaintext)["CiphertextBlob"]
        assert admin.decrypt(CiphertextBlob=blob)["Plaintext"] == plaintext
        data_key = admin.generate_data_key(KeyId=key_id, KeySpec="AES_256")
        app = endpoint.client(**credentials)
        with pytest.raises(ClientError):  # denied: the role has no permission
            app.encrypt(KeyId=key_id, Plaintext=plaintext)
        with pytest.raises(ClientError):
            admin.encrypt(KeyId="alias/missing", Plaintext=plaintext)
        encoded = base64.b64encode(plaintext).decode()
        # Malformed JSON, a member of the wrong type, an unsigned request, a bad framing.
        for body in (f'{{"Plaintext": "{encoded}"', f'{{"KeyId": 1, "Plaintext": "{encoded}"}}'):
            headers, data = signed(endpoint.url, "Encrypt", body=body.encode())
            assert raw(endpoint.url, headers=headers, body=data)[0] == 400
        headers, data = signed(endpoint.url, "Encrypt", {"KeyId": key_id, "Plaintext": encoded})
        headers.pop("Authorization")
        assert raw(endpoint.url, headers=headers, body=data)[0] == 400
        headers["Content-Length"] = f"{len(data)}, {len(data)}"
        assert raw(endpoint.url, headers=headers, body=data)[0] == 400
        records = server_records(caplog, 10)
    secrets = {
        "plaintext": plaintext,
        "ciphertext": blob,
        "data key": data_key["Plaintext"],
        "encrypted data key": data_key["CiphertextBlob"],
        "secret key": credentials["aws_secret_access_key"].encode(),
        "session token": credentials["aws_session_token"].encode(),
    }
    formatter = JsonFormatter()
    # Every line of kmsmock's (botocore's own debug lines, on the client side, show bodies).
    written = "\n".join(
        f"{record.getMessage()}\n{formatter.format(record)}"
        for record in caplog.records
        if record.name.startswith("kmsmock")
    )
    assert len(records) == 10
    for name, value in secrets.items():
        for form in (value, base64.b64encode(value), value.hex().encode()):
            assert form.decode("latin-1") not in written, name
    # The control: the lines do say what was asked.
    assert re.search(rf"Encrypt 200 [0-9.]+ms {ROOT}", written)


def test_json_lines(endpoint: LocalEndpoint, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="kmsmock.server"):
        response = endpoint.client().list_keys()
        (record,) = server_records(caplog, 1)
    line = json.loads(JsonFormatter().format(record))
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z", line.pop("time"))
    assert isinstance(line.pop("duration_ms"), float)
    message = line.pop("message")
    assert re.fullmatch(rf"ListKeys 200 [0-9.]+ms {ROOT}", message)
    assert line == {
        "level": "INFO",
        "logger": "kmsmock.server",
        "operation": "ListKeys",
        "status": 200,
        "principal": ROOT,
        "request_id": response["ResponseMetadata"]["RequestId"],
        "client": "127.0.0.1",
    }
