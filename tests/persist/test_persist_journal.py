"""``--state``'s journal: when a response arrives, the state file and its journal already hold
the change, as a restart after ``kill -9`` would read them.

A server runs on a thread of this process with a ``DurableWorld``; after each request the
test copies the two files (what a killed process leaves on disk) and loads the copy as a
restart would. The world it loads must be the live world, record for record, whatever the
operation: that is what proves every kind of change is journaled (a change the backend did
not note with ``World.touch`` would be missing from the copy).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, error_of
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kmsmock.aws import clock
from kmsmock.errors import KmsError
from kmsmock.persist import StateFileError, world_to_document
from kmsmock.persist.durable import DurableWorld
from kmsmock.persist.journal import SUFFIX
from kmsmock.server.http import KmsHTTPServer

T0 = datetime(2031, 3, 1, 12, 0, tzinfo=timezone.utc)
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "root",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
)
XKS = {
    "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
    "XksProxyUriEndpoint": "https://proxy.example.com",
    "XksProxyUriPath": "/kms/xks/v1",
    "XksProxyConnectivity": "PUBLIC_ENDPOINT",
    "XksProxyAuthenticationCredential": {
        "AccessKeyId": "ABCDEFGHIJKLMNOPQRST",
        "RawSecretAccessKey": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    },
}


@dataclass
class Served:
    durable: DurableWorld
    url: str
    tmp: Path
    moment: list[datetime]  # the clock, for the test to move
    crashes: int = 0

    def client(self, region: str = "us-east-1") -> BaseClient:
        return boto3.client(
            "kms",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
            aws_secret_access_key="secret",
        )

    def journal_size(self) -> int:
        return os.path.getsize(self.durable.path + SUFFIX)

    def after_kill(self) -> dict[str, Any]:
        """The world a restart would load if the process were killed now, as a document."""
        self.crashes += 1
        copy = self.tmp / f"crash-{self.crashes}"
        copy.mkdir()
        for name in (self.durable.path, self.durable.path + SUFFIX):
            shutil.copy(name, copy)
        reloaded = DurableWorld.open(
            copy / Path(self.durable.path).name, account=ACCOUNT, region="us-east-1"
        )
        try:
            return _comparable(reloaded.world)
        finally:
            reloaded.close()

    def live(self) -> dict[str, Any]:
        return _comparable(self.durable.world)


def _comparable(world: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(world_to_document(world)))
    for key in document["keys"]:
        # A key's last use alone is not journaled (persist/durable.py says why).
        key.pop("last_used", None)
    return document


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    moment = [T0]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    durable = DurableWorld.open(tmp_path / "state.json", account=ACCOUNT, region="us-east-1")
    server = KmsHTTPServer(
        ("127.0.0.1", 0),
        durable.world,
        account_id=ACCOUNT,
        region="us-east-1",
        on_served=durable.commit,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Served(durable, f"http://127.0.0.1:{server.server_address[1]}", tmp_path, moment)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        durable.close()


def _wrapped(parameters: dict[str, Any], material: bytes) -> bytes:
    public = serialization.load_der_public_key(parameters["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return public.encrypt(material, oaep)


def _steps(served: Served) -> Iterator[tuple[str, Callable[[], object]]]:
    """(what, the request): every kind of change a request can make, and the reads that make
    one (an AWS managed key on first use, an asymmetric key's private key on first use)."""
    c, eu = served.client(), served.client("eu-west-1")
    made: dict[str, Any] = {}

    def key(name: str, **params: Any) -> Callable[[], object]:
        def create() -> object:
            made[name] = c.create_key(**params)["KeyMetadata"]["KeyId"]
            return made[name]

        return create

    yield "CreateKey", key("one", Description="one", Tags=[{"TagKey": "a", "TagValue": "b"}])
    yield "CreateKey", key("two")
    yield "CreateAlias", lambda: c.create_alias(AliasName="alias/x", TargetKeyId=made["one"])
    yield "UpdateAlias", lambda: c.update_alias(AliasName="alias/x", TargetKeyId=made["two"])
    yield "DeleteAlias", lambda: c.delete_alias(AliasName="alias/x")
    yield "CreateAlias", lambda: c.create_alias(AliasName="alias/y", TargetKeyId=made["one"])
    yield (
        "TagResource",
        lambda: c.tag_resource(KeyId=made["one"], Tags=[{"TagKey": "c", "TagValue": "d"}]),
    )
    yield "UntagResource", lambda: c.untag_resource(KeyId=made["one"], TagKeys=["a"])
    yield "PutKeyPolicy", lambda: c.put_key_policy(KeyId=made["one"], Policy=POLICY)
    yield (
        "UpdateKeyDescription",
        lambda: c.update_key_description(KeyId=made["one"], Description="changed"),
    )
    yield "DisableKey", lambda: c.disable_key(KeyId=made["two"])
    yield "EnableKey", lambda: c.enable_key(KeyId=made["two"])
    yield (
        "EnableKeyRotation",
        lambda: c.enable_key_rotation(KeyId=made["one"], RotationPeriodInDays=90),
    )
    yield "RotateKeyOnDemand", lambda: c.rotate_key_on_demand(KeyId=made["one"])
    grant = {"KeyId": "", "GranteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/r"}

    def create_grant(name: str) -> Callable[[], object]:
        def create() -> object:
            made[name] = c.create_grant(
                **{**grant, "KeyId": made["one"]}, Operations=["Encrypt", "RetireGrant"]
            )
            return made[name]

        return create

    yield "CreateGrant", create_grant("g1")
    yield "RetireGrant (token)", lambda: c.retire_grant(GrantToken=made["g1"]["GrantToken"])
    yield "CreateGrant", create_grant("g2")
    yield (
        "RetireGrant (ID)",
        lambda: c.retire_grant(KeyId=made["one"], GrantId=made["g2"]["GrantId"]),
    )
    yield "CreateGrant", create_grant("g3")
    yield "RevokeGrant", lambda: c.revoke_grant(KeyId=made["one"], GrantId=made["g3"]["GrantId"])
    yield (
        "ScheduleKeyDeletion",
        lambda: c.schedule_key_deletion(KeyId=made["two"], PendingWindowInDays=7),
    )
    yield "CancelKeyDeletion", lambda: c.cancel_key_deletion(KeyId=made["two"])
    yield "CreateKey", key("mrk", MultiRegion=True)
    yield "ReplicateKey", lambda: c.replicate_key(KeyId=made["mrk"], ReplicaRegion="eu-west-1")
    yield "a read: the replica settles", lambda: eu.describe_key(KeyId=made["mrk"])
    yield (
        "UpdatePrimaryRegion",
        lambda: c.update_primary_region(KeyId=made["mrk"], PrimaryRegion="eu-west-1"),
    )
    yield "a read: both settle", lambda: c.list_keys()
    yield "CreateKey", key("external", Origin="EXTERNAL")
    yield (
        "GetParametersForImport",
        lambda: made.setdefault(
            "import",
            c.get_parameters_for_import(
                KeyId=made["external"],
                WrappingAlgorithm="RSAES_OAEP_SHA_256",
                WrappingKeySpec="RSA_2048",
            ),
        ),
    )
    yield (
        "ImportKeyMaterial",
        lambda: c.import_key_material(
            KeyId=made["external"],
            ImportToken=made["import"]["ImportToken"],
            EncryptedKeyMaterial=_wrapped(made["import"], bytes(range(32))),
            ExpirationModel="KEY_MATERIAL_EXPIRES",
            ValidTo=T0 + timedelta(days=30),
        ),
    )
    yield "CreateKey", key("rsa", KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    yield (
        "a read: Sign makes the private key",
        lambda: c.sign(KeyId=made["rsa"], Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256"),
    )
    yield "a read: an AWS managed key is made", lambda: c.describe_key(KeyId="alias/aws/s3")

    def store(name: str) -> Callable[[], object]:
        def create() -> object:
            given = {**XKS, "XksProxyUriPath": f"/{name}/kms/xks/v1"}
            made[name] = c.create_custom_key_store(CustomKeyStoreName=name, **given)[
                "CustomKeyStoreId"
            ]
            return made[name]

        return create

    yield "CreateCustomKeyStore", store("xks")
    yield "ConnectCustomKeyStore", lambda: c.connect_custom_key_store(CustomKeyStoreId=made["xks"])
    yield (
        "CreateKey",
        key(
            "in-store",
            Origin="EXTERNAL_KEY_STORE",
            CustomKeyStoreId=made.get("xks", ""),
            XksKeyId="e",
        ),
    )
    yield "CreateCustomKeyStore", store("spare")
    yield (
        "UpdateCustomKeyStore",
        lambda: c.update_custom_key_store(
            CustomKeyStoreId=made["spare"], NewCustomKeyStoreName="renamed"
        ),
    )
    yield "DeleteCustomKeyStore", lambda: c.delete_custom_key_store(CustomKeyStoreId=made["spare"])
    yield (
        "ScheduleKeyDeletion",
        lambda: c.schedule_key_deletion(KeyId=made["two"], PendingWindowInDays=7),
    )

    def later(days: int) -> Callable[[], object]:
        def read() -> object:
            served.moment[0] += timedelta(days=days)
            return c.list_aliases()

        return read

    yield "8 days on, a read: the key is deleted", later(8)
    yield "91 days on, a read: a rotation, imported material expires", later(91)
    yield (
        "DeleteImportedKeyMaterial",
        lambda: c.delete_imported_key_material(KeyId=made["external"]),
    )


def test_after_every_request_a_restart_loads_the_world_as_it_is(served: Served) -> None:
    for what, request in _steps(served):
        request()
        assert served.after_kill() == served.live(), what


def test_reads_write_nothing(served: Served) -> None:
    c = served.client()
    key_id = c.create_key()["KeyMetadata"]["KeyId"]
    blob = c.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    size = served.journal_size()
    for _ in range(3):
        c.encrypt(KeyId=key_id, Plaintext=b"x")
        c.decrypt(CiphertextBlob=blob)
        c.generate_data_key(KeyId=key_id, KeySpec="AES_256")
        c.describe_key(KeyId=key_id)
        c.list_keys()
        c.generate_random(NumberOfBytes=16)
    assert served.journal_size() == size
    c.disable_key(KeyId=key_id)
    assert served.journal_size() > size


def test_a_change_that_cannot_be_journaled_is_not_acknowledged(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = served.client()
    journal = served.durable.journal

    def disk_full(data: bytes) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(journal, "append", disk_full)
        with pytest.raises(ClientError) as excinfo:
            c.create_key(Description="unsaved")
    assert error_of(excinfo) == (
        "KMSInternalException",
        f"kmsmock could not write its state journal {journal.path}: No space left on device. "
        "The change is made but not saved: a restart before a later request saves it would "
        "lose it.",
    )
    # The next request that can write saves it too.
    c.list_keys()
    assert served.after_kill() == served.live()
    assert [k["description"] for k in served.after_kill()["keys"]] == ["unsaved"]


def test_a_journal_larger_than_the_state_file_is_folded_into_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kmsmock.persist import durable as durable_module

    monkeypatch.setattr(durable_module, "MIN_COMPACT_BYTES", 0)
    state = tmp_path / "state.json"
    durable = DurableWorld.open(state, account=ACCOUNT, region="us-east-1")
    try:
        for number in range(12):
            _make_key(durable, f"key {number}")
        # The first key's record outgrew the empty world's file: folded in, and so on.
        assert len(json.loads(state.read_text())["keys"]) >= 6
        assert os.path.getsize(f"{state}{SUFFIX}") < state.stat().st_size
        durable.journal.close()  # killed
        assert _descriptions(state) == sorted(f"key {number}" for number in range(12))
    finally:
        durable.journal.close()


def test_a_request_that_outlives_the_stop_is_not_acknowledged(tmp_path: Path) -> None:
    durable = DurableWorld.open(tmp_path / "state.json", account=ACCOUNT, region="us-east-1")
    durable.close()
    with pytest.raises(KmsError) as excinfo:
        durable.commit()
    assert (excinfo.value.code, excinfo.value.message) == (
        "KMSInternalException",
        "kmsmock is stopping: this change is not saved in its state file",
    )


# -- the files a killed process leaves -----------------------------------------------------


def _make_key(durable: DurableWorld, description: str) -> str:
    """What CreateKey does to the world, and the commit before its answer."""
    from kmsmock.backend.context import RequestContext
    from kmsmock.backend.creation import new_key

    world = durable.world
    context = RequestContext("CreateKey", ACCOUNT, "us-east-1", "aws", world, clock.now())
    where = world.region(ACCOUNT, "us-east-1", "aws")
    key_id = new_key(context, where, description=description, policy=None).key_id
    durable.commit()
    return key_id


def _killed(tmp_path: Path) -> tuple[Path, str]:
    """A state file and journal as a process killed after two CreateKeys leaves them."""
    state = tmp_path / "state.json"
    durable = DurableWorld.open(state, account=ACCOUNT, region="us-east-1")
    first = _make_key(durable, "first")
    _make_key(durable, "second")
    durable.journal.close()  # as the kernel closes it when the process dies
    return state, first


def _descriptions(state: Path) -> list[str]:
    reopened = DurableWorld.open(state, account=ACCOUNT, region="us-east-1")
    try:
        return sorted(
            key.description for key in reopened.world.regions[(ACCOUNT, "us-east-1")].keys.values()
        )
    finally:
        reopened.close()


def test_a_line_cut_short_by_the_kill_is_ignored(tmp_path: Path) -> None:
    state, _ = _killed(tmp_path)
    journal = Path(f"{state}{SUFFIX}")
    data = journal.read_bytes()
    journal.write_bytes(data[:-10])  # the second line's write was cut short: never answered
    assert _descriptions(state) == ["first"]
    assert not journal.exists()  # folded into the state file, then removed at close


def test_a_damaged_line_before_the_last_is_an_error(tmp_path: Path) -> None:
    state, _ = _killed(tmp_path)
    journal = Path(f"{state}{SUFFIX}")
    lines = journal.read_bytes().split(b"\n")
    lines[1] = lines[1][:20]
    journal.write_bytes(b"\n".join(lines))
    before = state.read_bytes(), journal.read_bytes()
    with pytest.raises(StateFileError) as excinfo:
        DurableWorld.open(state, account=ACCOUNT, region="us-east-1")
    assert str(excinfo.value).startswith(f"{journal}: line 2: not valid JSON: ")
    assert str(excinfo.value).endswith(" (the journal is damaged)")
    assert (state.read_bytes(), journal.read_bytes()) == before  # left as they were


def test_a_journal_that_follows_an_older_snapshot_is_ignored(tmp_path: Path) -> None:
    # Killed after the new snapshot replaced the file and before the journal was emptied:
    # the snapshot holds everything the journal says.
    state, _ = _killed(tmp_path)
    journal = Path(f"{state}{SUFFIX}")
    old = journal.read_bytes()
    assert _descriptions(state) == ["first", "second"]
    journal.write_bytes(old)
    assert _descriptions(state) == ["first", "second"]


def test_a_second_server_on_the_same_state_file_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = DurableWorld.open(state, account=ACCOUNT, region="us-east-1")
    try:
        with pytest.raises(StateFileError) as excinfo:
            DurableWorld.open(state, account=ACCOUNT, region="us-east-1")
        assert str(excinfo.value) == (
            f"{state}{SUFFIX} is locked: another kmsmock serve uses this state file"
        )
    finally:
        first.close()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            "missing/state.json",
            "{tmp}/missing/state.json: its directory {tmp}/missing does not exist",
        ),
        ("file/state.json", "{tmp}/file/state.json: its directory {tmp}/file does not exist"),
        ("dir", "{tmp}/dir: is a directory, not a state file"),
    ],
    ids=["no-directory", "under-a-file", "a-directory"],
)
def test_a_state_file_that_cannot_be_kept_fails_at_open(
    tmp_path: Path, where: str, message: str
) -> None:
    (tmp_path / "file").write_text("")
    (tmp_path / "dir").mkdir()
    with pytest.raises(StateFileError) as excinfo:
        DurableWorld.open(tmp_path / where, account=ACCOUNT, region="us-east-1")
    assert str(excinfo.value) == message.format(tmp=tmp_path)
