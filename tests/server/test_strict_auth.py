"""``--strict-auth`` / ``LocalEndpoint(strict_auth=True)``: only known access keys, signed with
their secrets, within 5 minutes of the server's clock, refused with AWS's errors; and the
default endpoint, which accepts any key, unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import time_machine
from botocore.exceptions import ClientError
from conftest import ACCOUNT, error_of, key_arn
from freezegun import freeze_time

from kmsmock import KmsMock
from kmsmock.cli import main
from kmsmock.server import LocalEndpoint

from ._helpers import aws, http_client, raw, signed

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)
UNRECOGNIZED = "The security token included in the request is invalid."
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
T = datetime(2024, 8, 20, 23, 8, 2, tzinfo=timezone.utc)


def amz(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


@pytest.fixture
def strict(kms: KmsMock) -> Iterator[LocalEndpoint]:
    """A strict endpoint serving the ``kms`` mock's world."""
    with LocalEndpoint(kms, strict_auth=True) as running:
        yield running


def refused(endpoint: LocalEndpoint, client: Any) -> tuple[str, str, int]:
    """(code, message, HTTP status) of ``client.list_keys()``, which must fail in exactly one
    request: botocore neither retries these errors nor corrects its clock."""
    before = endpoint.requests_served
    with pytest.raises(ClientError) as excinfo:
        client.list_keys()
    assert endpoint.requests_served == before + 1
    code, message = error_of(excinfo)
    return code, message, excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


# -- boto3 against LocalEndpoint(strict_auth=True) ----------------------------------------------


def test_issued_credentials_act_as_their_principal(kms: KmsMock, strict: LocalEndpoint) -> None:
    key_id = strict.client(**kms.credentials(ROOT)).create_key()["KeyMetadata"]["KeyId"]
    app = strict.client(**kms.credentials(ROLE))
    with pytest.raises(ClientError) as excinfo:
        app.describe_key(KeyId=key_id)
    assert error_of(excinfo) == (
        "AccessDeniedException",
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock is not authorized to perform: "
        f"kms:DescribeKey on resource: {key_arn(key_id)} because no identity-based policy "
        "allows the kms:DescribeKey action",
    )


def test_a_wrong_secret_is_an_invalid_signature(kms: KmsMock, strict: LocalEndpoint) -> None:
    creds = kms.credentials(ROLE)
    forged = strict.client(**{**creds, "aws_secret_access_key": "guessed"})
    assert refused(strict, forged) == ("InvalidSignatureException", SIGNATURE_MISMATCH, 400)


@pytest.mark.parametrize(
    "creds",
    [
        {"aws_access_key_id": "AKIAINVENTED00000000", "aws_secret_access_key": "anything"},
        {},  # LocalEndpoint.client()'s fixed fake credentials
    ],
    ids=["invented", "client-default"],
)
def test_an_unknown_access_key_is_unrecognized(
    strict: LocalEndpoint, creds: dict[str, str]
) -> None:
    assert refused(strict, strict.client(**creds)) == (
        "UnrecognizedClientException",
        UNRECOGNIZED,
        400,
    )
    assert strict.world.events.snapshot() == []  # refused before any operation ran


def test_a_known_key_without_a_secret_is_unrecognized(kms: KmsMock, strict: LocalEndpoint) -> None:
    """A seeded principal with no secret_access_key cannot be verified, so strict refuses it;
    the default endpoint serves it as its principal."""
    kms.load({"principals": [{"arn": ROLE, "access_key_id": "AKIANOSECRET00000000"}]})
    creds = {"aws_access_key_id": "AKIANOSECRET00000000", "aws_secret_access_key": "x"}
    assert refused(strict, strict.client(**creds))[:2] == (
        "UnrecognizedClientException",
        UNRECOGNIZED,
    )
    with LocalEndpoint(kms) as lenient, pytest.raises(ClientError) as excinfo:
        lenient.client(**creds).list_keys()
    assert error_of(excinfo)[1].startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock is not authorized"
    )


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (
            timedelta(minutes=-10),
            "Signature expired: {signed} is now earlier than {earliest} ({now} - 5 min.)",
        ),
        (
            timedelta(minutes=10),
            "Signature not yet current: {signed} is still later than {latest} ({now} + 5 min.)",
        ),
    ],
    ids=["slow-client", "fast-client"],
)
def test_a_client_clock_off_by_more_than_5_minutes(
    kms: KmsMock, strict: LocalEndpoint, offset: timedelta, message: str
) -> None:
    """The docs' recipe: freezegun moves the client's clock; ``ignore=["kmsmock"]`` leaves the
    in-process server on the real one."""
    client = strict.client(**kms.credentials(ROLE))
    client_now = datetime.now(timezone.utc).replace(microsecond=0) + offset
    with freeze_time(client_now, ignore=["kmsmock"]):
        code, text, status = refused(strict, client)
    assert (code, status) == ("InvalidSignatureException", 400)
    # The server read its clock during the request: between these two readings.
    server_now = client_now - offset
    expected = {
        message.format(
            signed=amz(client_now),
            now=amz(moment),
            earliest=amz(moment - timedelta(minutes=5)),
            latest=amz(moment + timedelta(minutes=5)),
        )
        for moment in (server_now + timedelta(seconds=s) for s in range(3))
    }
    assert text in expected


def test_a_client_clock_off_by_less_than_5_minutes_is_served(
    kms: KmsMock, strict: LocalEndpoint
) -> None:
    client = strict.client(**kms.credentials(ROOT))
    for minutes in (-4, 4):
        with freeze_time(
            datetime.now(timezone.utc) + timedelta(minutes=minutes), ignore=["kmsmock"]
        ):
            client.generate_random(NumberOfBytes=8)


Travel = Callable[[datetime], AbstractContextManager[Any]]


@pytest.mark.parametrize(
    "travel",
    [
        lambda moment: freeze_time(moment),
        lambda moment: time_machine.travel(moment, tick=False),
    ],
    ids=["freezegun", "time-machine"],
)
def test_the_server_reads_its_clock_at_each_request(
    kms: KmsMock, strict: LocalEndpoint, travel: Travel
) -> None:
    """A test that freezes or moves time moves the server's clock too: a request signed at the
    frozen time is served, and one signed 5 min 1 s before it is refused, to the second."""
    creds = kms.credentials(ROOT)
    sign = {
        "access_key": creds["aws_access_key_id"],
        "secret_key": creds["aws_secret_access_key"],
        "token": creds["aws_session_token"],
    }
    with travel(T - timedelta(minutes=5)):
        on_the_edge = signed(strict.url, "ListKeys", **sign)
    with travel(T - timedelta(minutes=5, seconds=1)):
        too_old = signed(strict.url, "ListKeys", **sign)
    with travel(T):
        assert raw(strict.url, headers=on_the_edge[0], body=on_the_edge[1])[0] == 200
        status, _, answer = raw(strict.url, headers=too_old[0], body=too_old[1])
    assert (status, answer) == (
        400,
        {
            "__type": "InvalidSignatureException",
            "message": "Signature expired: 20240820T230301Z is now earlier than "
            "20240820T230302Z (20240820T230802Z - 5 min.)",
        },
    )


def test_a_date_not_in_basic_format(kms: KmsMock, strict: LocalEndpoint) -> None:
    headers, body = signed(strict.url, "ListKeys")
    headers["X-Amz-Date"] = "Tue, 20 Aug 2024 23:08:02 GMT"
    status, _, answer = raw(strict.url, headers=headers, body=body)
    assert (status, answer) == (
        400,
        {
            "__type": "IncompleteSignatureException",
            "message": "Date must be in ISO-8601 'basic format'. Got 'Tue, 20 Aug 2024 "
            "23:08:02 GMT'. See http://en.wikipedia.org/wiki/ISO_8601",
        },
    )


def test_the_default_endpoint_is_unchanged(kms: KmsMock) -> None:
    """Without strict auth: invented keys act as the account root and a day-old signature is
    served; only a known key's signature is checked."""
    with LocalEndpoint(kms) as lenient:
        with freeze_time(datetime.now(timezone.utc) - timedelta(days=1), ignore=["kmsmock"]):
            lenient.client(aws_access_key_id="AKIAINVENTED", aws_secret_access_key="x").list_keys()
        headers, body = signed(lenient.url, "ListKeys")
        headers["X-Amz-Date"] = "not a date"
        assert raw(lenient.url, headers=headers, body=body)[0] == 200
        forged = lenient.client(**{**kms.credentials(ROLE), "aws_secret_access_key": "guessed"})
        assert refused(lenient, forged)[0] == "InvalidSignatureException"
    assert kms.world.events.snapshot()[0].principal == f"arn:aws:iam::{ACCOUNT}:root"


# -- the AWS CLI ---------------------------------------------------------------------------------


def test_aws_cli_against_a_strict_endpoint(kms: KmsMock, strict: LocalEndpoint) -> None:
    creds = kms.credentials(ROOT)
    listed = aws(strict.url, "list-keys", creds=creds)
    assert (listed.returncode, json.loads(listed.stdout)) == (0, {"Keys": []}), listed.stderr
    wrong = aws(strict.url, "list-keys", creds={**creds, "aws_secret_access_key": "guessed"})
    assert (wrong.returncode, wrong.stderr.strip()) == (
        255,
        "An error occurred (InvalidSignatureException) when calling the ListKeys operation: "
        + SIGNATURE_MISMATCH,
    )
    unknown = aws(strict.url, "list-keys")  # the helper's invented key
    assert (unknown.returncode, unknown.stderr.strip()) == (
        255,
        "An error occurred (UnrecognizedClientException) when calling the ListKeys operation: "
        + UNRECOGNIZED,
    )


# -- kmsmock serve --strict-auth ----------------------------------------------------------------


@contextmanager
def serve(*args: str) -> Iterator[tuple[str, list[str]]]:
    """``python -m kmsmock serve --port 0 --quiet ...``: its URL, and a list that holds its
    stderr once it has stopped (at the end of the block)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kmsmock", "serve", "--port", "0", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    stderr: list[str] = []
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("kmsmock: KMS endpoint at "), line
        yield line.rsplit(" ", 1)[1].strip(), stderr
    finally:
        if process.poll() is None:
            process.terminate()
        stderr.append(process.communicate(timeout=10)[1])


def test_serve_strict_auth_with_a_seed_and_credentials(tmp_path: Path) -> None:
    """The docs' recipe: known keys from a seed file and --credentials are served as their
    principals; a wrong secret, an unknown key, a key with no secret and a client clock 10
    minutes slow are refused with AWS's errors."""
    seed = tmp_path / "kms-seed.json"
    seed.write_text(
        json.dumps(
            {
                "keys": [{"id": "1234abcd-12ab-34cd-56ef-1234567890ab", "aliases": ["alias/app"]}],
                "principals": [
                    {
                        "arn": ROLE,
                        "access_key_id": "AKIAAPP0000000000001",
                        "secret_access_key": "s1",
                    },
                    {"arn": ROLE, "access_key_id": "AKIANOSECRET00000001"},
                ],
            }
        )
    )
    args = ("--strict-auth", "--seed", str(seed), "--credentials", "AKIAADMIN00000000001:s2")
    with serve(*args) as (url, stderr):
        app = http_client(url, aws_access_key_id="AKIAAPP0000000000001", aws_secret_access_key="s1")
        with pytest.raises(ClientError) as excinfo:
            app.encrypt(KeyId="alias/app", Plaintext=b"x")
        assert error_of(excinfo)[1].startswith(
            f"User: arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock is not authorized"
        )
        # --credentials without a principal: the root of --account-id.
        admin = http_client(
            url, aws_access_key_id="AKIAADMIN00000000001", aws_secret_access_key="s2"
        )
        assert admin.encrypt(KeyId="alias/app", Plaintext=b"x")["KeyId"].endswith(
            "1234abcd-12ab-34cd-56ef-1234567890ab"
        )
        cases = {
            "wrong-secret": ("AKIAAPP0000000000001", "guessed"),
            "unknown": ("AKIAINVENTED00000001", "s1"),
            "no-secret": ("AKIANOSECRET00000001", "s1"),
        }
        errors = {}
        for name, (key, secret) in cases.items():
            client = http_client(url, aws_access_key_id=key, aws_secret_access_key=secret)
            with pytest.raises(ClientError) as excinfo:
                client.list_keys()
            errors[name] = error_of(excinfo)
        # The server is another process: freezegun moves only this client's clock.
        slow_clock = freeze_time(datetime.now(timezone.utc) - timedelta(minutes=10))
        with slow_clock, pytest.raises(ClientError) as excinfo:
            app.list_keys()
        skewed = error_of(excinfo)
    assert errors == {
        "wrong-secret": ("InvalidSignatureException", SIGNATURE_MISMATCH),
        "unknown": ("UnrecognizedClientException", UNRECOGNIZED),
        "no-secret": ("UnrecognizedClientException", UNRECOGNIZED),
    }
    assert skewed[0] == "InvalidSignatureException"
    assert skewed[1].startswith("Signature expired: ") and skewed[1].endswith(" - 5 min.)")
    assert (
        "kmsmock: --strict-auth refuses access keys with no known secret: AKIANOSECRET00000001 "
        "(give their principals a secret_access_key, or use --credentials)"
    ) in stderr[0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("AKIAONLY", "no secret for AKIAONLY (the form is ACCESS_KEY:SECRET or "
         "ACCESS_KEY:SECRET:PRINCIPAL_ARN; a secret cannot contain ':')"),
        ("AKIA-X:s", "the access key ID must be 1 to 128 letters and digits; got 'AKIA-X' "
         "(the form is ACCESS_KEY:SECRET or ACCESS_KEY:SECRET:PRINCIPAL_ARN)"),
        ("AKIAX:s:arn:aws:iam::1:role/x", "principal_arn must be an account root"),
    ],
    ids=["no-secret", "bad-key", "bad-arn"],
)  # fmt: skip
def test_bad_credentials_arguments(
    value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--credentials", value])
    assert exit_info.value.code == 2
    assert f"kmsmock serve: error: argument --credentials: {message}" in capsys.readouterr().err
