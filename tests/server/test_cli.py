"""``kmsmock serve`` as a process, and the real AWS CLI against the endpoint."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT, error_of, key_arn

from kmsmock import KmsMock
from kmsmock.cli import DEFAULT_PORT, main
from kmsmock.server import LocalEndpoint

from ._helpers import aws, http_client, raw

# -- the AWS CLI -------------------------------------------------------------------------------


def test_aws_cli_create_encrypt_decrypt(
    kms: KmsMock, kms_endpoint: LocalEndpoint, tmp_path: Path
) -> None:
    made = aws(kms_endpoint.url, "create-key", "--description", "from the CLI")
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)["KeyMetadata"]
    assert key["Arn"] == key_arn(key["KeyId"])
    # The in-process mock sees what the CLI made: they share a world.
    assert kms.world is kms_endpoint.world
    plaintext = tmp_path / "plain.bin"
    plaintext.write_bytes(b"\x00secret bytes\xff")
    encrypted = aws(
        kms_endpoint.url,
        "encrypt",
        "--key-id",
        key["KeyId"],
        "--plaintext",
        f"fileb://{plaintext}",
        "--query",
        "CiphertextBlob",
        "--output",
        "text",
    )
    assert encrypted.returncode == 0, encrypted.stderr
    blob = tmp_path / "blob.bin"
    blob.write_bytes(base64.b64decode(encrypted.stdout.strip()))
    decrypted = aws(kms_endpoint.url, "decrypt", "--ciphertext-blob", f"fileb://{blob}")
    assert decrypted.returncode == 0, decrypted.stderr
    answer = json.loads(decrypted.stdout)
    assert base64.b64decode(answer["Plaintext"]) == b"\x00secret bytes\xff"
    assert answer["KeyId"] == key["Arn"]
    listed = aws(kms_endpoint.url, "list-keys")
    assert json.loads(listed.stdout)["Keys"] == [{"KeyId": key["KeyId"], "KeyArn": key["Arn"]}]


def test_aws_cli_errors(kms: KmsMock, kms_endpoint: LocalEndpoint) -> None:
    missing = aws(kms_endpoint.url, "describe-key", "--key-id", "alias/nowhere")
    assert missing.returncode == 255
    assert missing.stderr.strip() == (
        "An error occurred (NotFoundException) when calling the DescribeKey operation: "
        f"Alias arn:aws:kms:us-east-1:{ACCOUNT}:alias/nowhere is not found."
    )
    assert missing.stdout == ""
    # Issued credentials act as their role over the CLI too.
    role = f"arn:aws:iam::{ACCOUNT}:role/cli-reader"
    key_id = kms_endpoint.client().create_key()["KeyMetadata"]["KeyId"]
    denied = aws(kms_endpoint.url, "describe-key", "--key-id", key_id, creds=kms.credentials(role))
    assert denied.returncode == 255
    assert denied.stderr.strip() == (
        "An error occurred (AccessDeniedException) when calling the DescribeKey operation: "
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/cli-reader/kmsmock is not authorized to "
        f"perform: kms:DescribeKey on resource: {key_arn(key_id)} because no identity-based "
        "policy allows the kms:DescribeKey action"
    )


# -- the process -------------------------------------------------------------------------------


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m kmsmock serve --port 0 ...``: the process and its URL, once it answers
    /health. Killed at the end if the test did not stop it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kmsmock", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("kmsmock: KMS endpoint at http://127.0.0.1:"), line + (
            process.stderr.read() if process.stderr else ""
        )
        url = line.rsplit(" ", 1)[1].strip()
        assert raw(url, "GET", "/health")[2]["status"] == "ok"
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def stop(process: subprocess.Popen[str], how: signal.Signals = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(how)
    _, err = process.communicate(timeout=15)
    return process.returncode, err


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stops_cleanly(how: signal.Signals) -> None:
    with serving() as (process, url):
        client = http_client(url)
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        with pytest.raises(ClientError) as excinfo:
            client.describe_key(KeyId="alias/none")
        assert error_of(excinfo) == (
            "NotFoundException",
            f"Alias arn:aws:kms:us-east-1:{ACCOUNT}:alias/none is not found.",
        )
        code, err = stop(process, how)
    assert code == 0, err
    lines = err.splitlines()
    # One line per request: operation, status, time taken, principal.
    root = f"arn:aws:iam::{ACCOUNT}:root"
    created = [line for line in lines if " kmsmock.server CreateKey 200 " in line]
    assert len(created) == 1, err
    assert re.fullmatch(rf".* kmsmock\.server CreateKey 200 [0-9.]+ms {root}", created[0])
    assert any(re.search(rf" DescribeKey 400 [0-9.]+ms {root}$", line) for line in lines), err
    assert "Traceback" not in err
    assert key_id


def test_quiet_logs_no_requests() -> None:
    with serving("--quiet") as (process, url):
        http_client(url).list_keys()
        code, err = stop(process)
    assert code == 0
    assert "ListKeys" not in err


def read_until_closed(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


def test_json_logs_and_connection_options() -> None:
    """--log-format json: one JSON object per line, the request's fields in it and nothing
    it carried; --allow-host, --max-connections and --idle-timeout reach the server."""
    flags = ("--log-format", "json", "--allow-host", "kms.test", "--max-connections", "2")
    with serving(*flags, "--idle-timeout", "0.5") as (process, url):
        client = http_client(url)
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        encrypted = client.encrypt(KeyId=key_id, Plaintext=b"json-log-secret")
        client.close()  # its kept-alive connection would take one of the two places
        host, port = url.removeprefix("http://").rsplit(":", 1)
        # Both on one connection (the second closes it), so at most two are ever open.
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        for name, status in (("kms.test:4599", 200), ("other.test", 403)):
            connection.request("GET", "/health", headers={"Host": name})
            response = connection.getresponse()
            response.read()
            assert response.status == status, name
        connection.close()
        time.sleep(0.2)  # the server's side of those connections ends
        with ExitStack() as stack:
            silent = [
                stack.enter_context(socket.create_connection((host, int(port)), timeout=10))
                for _ in range(3)
            ]
            # Two are served (and closed, with no answer, once idle for 0.5 s), the third is
            # refused; or two, if the server's side of an earlier connection lingered.
            answers = [read_until_closed(sock)[:12] for sock in silent]
        assert set(answers) == {b"", b"HTTP/1.1 503"}, answers
        code, err = stop(process)
    assert code == 0, err
    lines = [json.loads(line) for line in err.splitlines()]  # every line is JSON
    (encrypt,) = [line for line in lines if line.get("operation") == "Encrypt"]
    assert encrypt["status"] == 200
    assert encrypt["principal"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert encrypt["request_id"] == encrypted["ResponseMetadata"]["RequestId"]
    assert encrypt["level"] == "INFO"
    health = [line["status"] for line in lines if line.get("operation") == "health"]
    # serving()'s, kms.test's and other.test's, each logged by its connection's thread once
    # its answer has left: in any order.
    assert sorted(health) == [200, 200, 403]
    refused = [
        line for line in lines if line["level"] == "WARNING" and "refused" in line["message"]
    ]
    assert len(refused) == answers.count(b"HTTP/1.1 503")
    assert refused[0]["message"].endswith(": 2 connections open (--max-connections 2)")
    assert "json-log-secret" not in err
    assert base64.b64encode(b"json-log-secret").decode() not in err
    assert base64.b64encode(encrypted["CiphertextBlob"]).decode() not in err


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "kms-state.json"
    with serving("--state", str(state)) as (process, url):
        client = http_client(url)
        key_id = client.create_key(Description="kept")["KeyMetadata"]["KeyId"]
        client.create_alias(AliasName="alias/kept", TargetKeyId=key_id)
        blob = client.encrypt(KeyId="alias/kept", Plaintext=b"survives")["CiphertextBlob"]
        # Written whole at start-up; the changes since are in its journal until shutdown.
        assert json.loads(state.read_text())["keys"] == []
        assert Path(f"{state}.journal").exists()
        code, err = stop(process)
    assert code == 0, err
    assert json.loads(state.read_text())["keys"]
    assert not Path(f"{state}.journal").exists()
    with serving("--state", str(state)) as (process, url):
        client = http_client(url)
        assert client.describe_key(KeyId="alias/kept")["KeyMetadata"]["Description"] == "kept"
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"survives"
        code, _ = stop(process)
    assert code == 0


def test_a_corrupt_state_file_is_never_overwritten(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"keys": [ {"id": ')
    before = state.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "kmsmock", "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"kmsmock: cannot load {state}: ")
    assert result.stdout == ""  # it never started listening
    assert state.read_bytes() == before
    assert not Path(f"{state}.journal").exists()


def test_a_seed_file_is_loaded_and_never_written(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    key_id = "11111111-2222-3333-4444-555555555555"
    seed.write_text(json.dumps({"keys": [{"id": key_id, "description": "seeded"}]}))
    before = seed.read_bytes()
    with serving("--seed", str(seed), "--account-id", "111122223333") as (process, url):
        client = http_client(url)
        metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
        assert metadata["Description"] == "seeded"
        assert metadata["Arn"] == f"arn:aws:kms:us-east-1:111122223333:key/{key_id}"
        client.create_key()
        code, err = stop(process)
    assert code == 0, err
    assert seed.read_bytes() == before


def test_state_and_seed_together_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--state", str(tmp_path / "a"), "--seed", str(tmp_path / "b")])
    assert exit_info.value.code == 2
    assert "argument --seed: not allowed with argument --state" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account-id", "12345"],
         "--account-id must be 12 digits, like 123456789012; got '12345'"),
        (["--port", "70000"], "--port must be 0 to 65535; got 70000"),
        (["--max-body", "0"], "--max-body must be a positive number of bytes; got 0"),
        (["--allow-host", "kms:4599"],
         "--allow-host takes a host name, or '*' for any; got 'kms:4599'"),
        (["--allow-host", ""], "--allow-host takes a host name, or '*' for any; got ''"),
        (["--max-connections", "0"], "--max-connections must be a positive number; got 0"),
        (["--idle-timeout", "0"], "--idle-timeout must be a positive number of seconds; got 0.0"),
        (["--idle-timeout", "inf"],
         "--idle-timeout must be a positive number of seconds; got inf"),
    ],
)  # fmt: skip
def test_bad_arguments(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *args])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.rstrip().endswith(f"kmsmock: error: {message}")


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "serve" in capsys.readouterr().err


def test_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port), "--quiet"]) == 1
    assert capsys.readouterr().err.startswith(f"kmsmock: cannot listen on 127.0.0.1:{port}: ")


def test_the_default_port_is_clear_of_other_mocks() -> None:
    # LocalStack (4566 and its 4510-4559 range), moto's server (5000), local-kms (8080).
    assert DEFAULT_PORT == 4599
    assert DEFAULT_PORT not in {4566, 5000, 8080, *range(4510, 4560)}


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in (
        "--host",
        "--port",
        "--account-id",
        "--region",
        "--state",
        "--seed",
        "--fsync",
        "--no-enforce-policies",
        "--max-body",
        "--allow-host",
        "--max-connections",
        "--idle-timeout",
        "--log-format",
        "--quiet",
    ):
        assert flag in out
    assert shutil.which("kmsmock") is not None  # the console script


@pytest.mark.parametrize("enforce", [True, False], ids=["enforced", "no-enforce-policies"])
def test_seeded_principals_and_enforcement(tmp_path: Path, enforce: bool) -> None:
    """A seed's credentials act as their role (signatures checked with the seeded secret);
    --no-enforce-policies serves the role whatever the policies say."""
    key_id = "0b2f3c4d-1111-2222-3333-444455556666"
    role = f"arn:aws:iam::{ACCOUNT}:role/app"
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "keys": [{"id": key_id}],
                "principals": [
                    {
                        "arn": role,
                        "access_key_id": "AKIASEEDEDAPP0000000",
                        "secret_access_key": "seeded-secret",
                    }
                ],
            }
        )
    )
    flags = () if enforce else ("--no-enforce-policies",)
    with serving("--seed", str(seed), *flags) as (process, url):
        app = http_client(
            url, aws_access_key_id="AKIASEEDEDAPP0000000", aws_secret_access_key="seeded-secret"
        )
        if enforce:
            with pytest.raises(ClientError) as excinfo:
                app.describe_key(KeyId=key_id)
            assert error_of(excinfo) == (
                "AccessDeniedException",
                f"User: arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock is not authorized to "
                f"perform: kms:DescribeKey on resource: {key_arn(key_id)} because no "
                "identity-based policy allows the kms:DescribeKey action",
            )
        else:
            assert app.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id
        forged = http_client(
            url, aws_access_key_id="AKIASEEDEDAPP0000000", aws_secret_access_key="guessed"
        )
        with pytest.raises(ClientError) as excinfo:
            forged.describe_key(KeyId=key_id)
        assert error_of(excinfo)[0] == "InvalidSignatureException"
        code, err = stop(process)
    assert code == 0, err
