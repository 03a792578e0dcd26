"""``kmsmock serve --state FILE`` as a process: killed with SIGKILL in the middle of a load, it
loses nothing it acknowledged; a state file it cannot keep stops it at start-up (exit 2)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from conftest import ACCOUNT

from ._helpers import http_client
from .test_cli import serving, stop

WORKERS = 4
ROUNDS = 60  # per worker at most: the load stops at the kill, well before
KILL_AFTER = 120  # acknowledged rounds in all (or 5 seconds, if the machine is slow)


def _policy(sid: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )


@dataclass
class Acknowledged:
    """What one round's answers acknowledged, filled in as they arrive."""

    key_id: str
    description: str
    alias: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    policy: str | None = None
    grant_id: str | None = None
    state: str = "Enabled"
    blob: bytes | None = None


def _load(url: str, worker: int, done: list[Acknowledged], stopping: threading.Event) -> None:
    """Rounds of changes to a new key, each recorded once its answer is in, until the
    server dies (every call then fails: the round ends there)."""
    client = http_client(
        url, config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10)
    )
    for number in range(ROUNDS):
        if stopping.is_set():
            return
        name = f"w{worker}-{number}"
        try:
            key_id = client.create_key(Description=name)["KeyMetadata"]["KeyId"]
            seen = Acknowledged(key_id, name)
            done.append(seen)
            client.create_alias(AliasName=f"alias/{name}", TargetKeyId=key_id)
            seen.alias = f"alias/{name}"
            tags = [{"TagKey": "round", "TagValue": name}]
            client.tag_resource(KeyId=key_id, Tags=tags)
            seen.tags = tags
            client.put_key_policy(KeyId=key_id, Policy=_policy(name.replace("-", "x")))
            seen.policy = _policy(name.replace("-", "x"))
            grant = client.create_grant(
                KeyId=key_id,
                GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/{name}",
                Operations=["Decrypt"],
            )
            seen.grant_id = grant["GrantId"]
            seen.blob = client.encrypt(KeyId=key_id, Plaintext=name.encode())["CiphertextBlob"]
            if number % 3 == 1:
                client.disable_key(KeyId=key_id)
                seen.state = "Disabled"
            elif number % 3 == 2:
                client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
                seen.state = "PendingDeletion"
        except Exception:  # the server was killed: nothing more is acknowledged
            return


def test_sigkill_mid_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    state = tmp_path / "kms.json"
    done: list[Acknowledged] = []
    stopping = threading.Event()
    with serving("--state", str(state), "--quiet") as (process, url):
        workers = [
            threading.Thread(target=_load, args=(url, n, done, stopping)) for n in range(WORKERS)
        ]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 5
        while len(done) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)  # requests in flight: some answered, some not
        process.wait(timeout=10)
        stopping.set()
        for worker in workers:
            worker.join(timeout=30)
    assert len(done) >= 20, "the load barely started"
    json.loads(state.read_text())  # the state file is whole, never half-written

    with serving("--state", str(state), "--quiet") as (process, url):
        client = http_client(url)
        for seen in done:
            metadata = client.describe_key(KeyId=seen.key_id)["KeyMetadata"]
            assert (metadata["Description"], metadata["KeyState"]) == (
                seen.description,
                seen.state,
            )
            if seen.alias is not None:
                aliases = client.list_aliases(KeyId=seen.key_id)["Aliases"]
                assert [a["AliasName"] for a in aliases] == [seen.alias]
            if seen.tags:
                assert client.list_resource_tags(KeyId=seen.key_id)["Tags"] == seen.tags
            if seen.policy is not None:
                assert client.get_key_policy(KeyId=seen.key_id)["Policy"] == seen.policy
            if seen.grant_id is not None:
                grants = client.list_grants(KeyId=seen.key_id)["Grants"]
                assert [g["GrantId"] for g in grants] == [seen.grant_id]
            if seen.blob is not None and seen.state == "Enabled":
                decrypted = client.decrypt(CiphertextBlob=seen.blob)
                assert decrypted["Plaintext"] == seen.description.encode()
        code, err = stop(process)
    assert code == 0, err
    assert not Path(f"{state}.journal").exists()  # folded into the state file at shutdown


def _start(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kmsmock", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/kms.json", "{tmp}/missing/kms.json: its directory {tmp}/missing does not exist"),
        ("file/kms.json", "{tmp}/file/kms.json: its directory {tmp}/file does not exist"),
        ("dir", "{tmp}/dir: is a directory, not a state file"),
    ],
    ids=["no-directory", "under-a-file", "a-directory"],
)
def test_a_state_file_that_cannot_be_written_fails_at_start_up(
    tmp_path: Path, where: str, message: str
) -> None:
    (tmp_path / "file").write_text("")
    (tmp_path / "dir").mkdir()
    path = tmp_path / where
    result = _start("--state", str(path))
    assert result.returncode == 2
    assert result.stderr == f"kmsmock: cannot load {path}: {message.format(tmp=tmp_path)}\n"
    assert result.stdout == ""  # it never started listening


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_directory_without_write_permission_fails_at_start_up(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes in any directory")
    directory = tmp_path / "locked"
    directory.mkdir(mode=0o500)
    result = _start("--state", str(directory / "kms.json"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"kmsmock: cannot load {directory / 'kms.json'}: ")
    assert "Permission denied" in result.stderr


@pytest.mark.parametrize("flag", ["--state", "--seed"])
def test_a_file_nested_too_deeply_is_refused_without_a_traceback(tmp_path: Path, flag: str) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    before = path.read_bytes()
    result = _start(flag, str(path))
    assert result.returncode == 2
    assert result.stderr == (
        f"kmsmock: cannot load {path}: {path}: not valid JSON: nested more than 500 deep "
        "(line 1, column 501)\n"
    )
    assert path.read_bytes() == before
    assert not Path(f"{path}.journal").exists()


def test_a_state_file_in_use_by_another_server_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "kms.json"
    with serving("--state", str(state), "--quiet") as (process, _):
        result = _start("--state", str(state))
        assert result.returncode == 2
        assert result.stderr == (
            f"kmsmock: cannot load {state}: {state}.journal is locked: another kmsmock serve "
            "uses this state file\n"
        )
        stop(process)


def test_fsync_needs_a_state_file(capsys: pytest.CaptureFixture[str]) -> None:
    from kmsmock.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--fsync"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.rstrip().endswith("kmsmock: error: --fsync needs --state FILE")


def test_fsync_keeps_changes_through_a_kill(tmp_path: Path) -> None:
    state = tmp_path / "kms.json"
    with serving("--state", str(state), "--fsync", "--quiet") as (process, url):
        key_id = http_client(url).create_key(Description="synced")["KeyMetadata"]["KeyId"]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    with serving("--state", str(state), "--quiet") as (process, url):
        described: Any = http_client(url).describe_key(KeyId=key_id)
        assert described["KeyMetadata"]["Description"] == "synced"
        stop(process)
