"""Snapshots: ``KmsMock.snapshot()`` freezes a mock's state; ``mock_kms(snapshot=...)`` starts
from a copy of it. Copies never see each other's changes, nor the snapshot theirs."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
import time_machine
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import error_of, key_arn
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock, KmsMockUsageError, mock_kms
from kmsmock.backend.keys import Grant, ImportParameters, KeyMaterial
from kmsmock.crypto import keypool
from kmsmock.mocking.snapshot import Snapshot

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
CERT = "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----"
ROLE = "arn:aws:iam::123456789012:role/app"


def kms_client(region: str = "us-east-1", **credentials: str) -> BaseClient:
    return boto3.client("kms", region_name=region, **credentials)


def state(client: BaseClient, key_id: str) -> str:
    found: str = client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]
    return found


def missing(client: BaseClient, key_id: str) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        client.describe_key(KeyId=key_id)
    return error_of(excinfo)


@pytest.fixture
def built() -> dict[str, Any]:
    """A snapshot of one key with an alias, a tag, a grant and a ciphertext."""
    with mock_kms() as kms:
        client = kms_client()
        key_id = client.create_key(Description="built")["KeyMetadata"]["KeyId"]
        client.create_alias(AliasName="alias/app", TargetKeyId=key_id)
        client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "a"}])
        grant = client.create_grant(
            KeyId=key_id, GranteePrincipal=ROLE, Operations=["Decrypt", "Encrypt"]
        )
        blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
        snapshot = kms.snapshot()
    return {
        "snapshot": snapshot,
        "key_id": key_id,
        "grant_id": grant["GrantId"],
        "grant_token": grant["GrantToken"],
        "blob": blob,
    }


def test_a_mock_started_from_a_snapshot_has_its_state(built: dict[str, Any]) -> None:
    with mock_kms(snapshot=built["snapshot"]):
        client = kms_client()
        assert client.describe_key(KeyId="alias/app")["KeyMetadata"]["Description"] == "built"
        # The copy keeps the secret: what was encrypted while building decrypts here.
        assert client.decrypt(CiphertextBlob=built["blob"])["Plaintext"] == b"secret"
        assert client.list_resource_tags(KeyId=built["key_id"])["Tags"] == [
            {"TagKey": "team", "TagValue": "a"}
        ]
        assert [g["GrantId"] for g in client.list_grants(KeyId=built["key_id"])["Grants"]] == [
            built["grant_id"]
        ]
        # Grant tokens are signed with the secret too.
        client.retire_grant(GrantToken=built["grant_token"])
        assert client.list_grants(KeyId=built["key_id"])["Grants"] == []


def test_changes_in_one_copy_show_in_no_other_copy_nor_the_snapshot(
    built: dict[str, Any],
) -> None:
    snapshot, key_id = built["snapshot"], built["key_id"]
    with mock_kms(snapshot=snapshot):
        client = kms_client()
        other = client.create_key()["KeyMetadata"]["KeyId"]
        client.update_alias(AliasName="alias/app", TargetKeyId=other)
        client.create_alias(AliasName="alias/new", TargetKeyId=key_id)
        client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "b"}])
        client.untag_resource(KeyId=key_id, TagKeys=["team"])
        client.revoke_grant(KeyId=key_id, GrantId=built["grant_id"])
        client.create_grant(KeyId=key_id, GranteePrincipal=ROLE, Operations=["Encrypt"])
        client.enable_key_rotation(KeyId=key_id)
        client.disable_key(KeyId=key_id)
        client.update_key_description(KeyId=key_id, Description="changed")
        client.put_key_policy(
            KeyId=key_id,
            Policy=client.get_key_policy(KeyId=key_id)["Policy"].replace("Enable", "Allow"),
        )
        assert snapshot.key_count == 1
    for _ in range(2):  # the snapshot is unchanged, however many copies it has made
        with mock_kms(snapshot=snapshot):
            client = kms_client()
            assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [key_id]
            aliases = {
                a["AliasName"]: a.get("TargetKeyId")
                for a in client.list_aliases()["Aliases"]
                if not a["AliasName"].startswith("alias/aws/")
            }
            assert aliases == {"alias/app": key_id}
            metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
            assert (metadata["KeyState"], metadata["Description"]) == ("Enabled", "built")
            assert client.list_resource_tags(KeyId=key_id)["Tags"] == [
                {"TagKey": "team", "TagValue": "a"}
            ]
            grants = client.list_grants(KeyId=key_id)["Grants"]
            assert [g["GrantId"] for g in grants] == [built["grant_id"]]
            assert '"Enable' in client.get_key_policy(KeyId=key_id)["Policy"]
            assert not client.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]
            client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)


def test_the_building_mock_goes_on_without_changing_the_snapshot() -> None:
    with mock_kms() as kms:
        client = kms_client()
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        snapshot = kms.snapshot()
        client.create_key()
        client.disable_key(KeyId=key_id)
    with mock_kms(snapshot=snapshot):
        client = kms_client()
        assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [key_id]
        assert state(client, key_id) == "Enabled"


def test_a_deletion_due_in_the_snapshot_happens_in_each_copy_alone() -> None:
    """The lifecycle queue names Key objects: each copy's names the copy's keys."""
    with time_machine.travel(T0, tick=False) as traveller:
        with mock_kms() as kms:
            client = kms_client()
            doomed = client.create_key()["KeyMetadata"]["KeyId"]
            rotating = client.create_key()["KeyMetadata"]["KeyId"]
            client.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
            client.enable_key_rotation(KeyId=rotating, RotationPeriodInDays=90)
            snapshot = kms.snapshot()
        with mock_kms(snapshot=snapshot) as first:
            client = kms_client()
            client.cancel_key_deletion(KeyId=doomed)
            assert all(entry[2] in _keys_of(first) for entry in first.world.due)
            traveller.shift(timedelta(days=100))
            assert state(client, doomed) == "Disabled"  # cancelled: not deleted
            assert len(client.list_key_rotations(KeyId=rotating)["Rotations"]) == 1
        traveller.move_to(T0)
        with mock_kms(snapshot=snapshot):
            client = kms_client()
            assert state(client, doomed) == "PendingDeletion"
            assert client.list_key_rotations(KeyId=rotating)["Rotations"] == []
            traveller.shift(timedelta(days=100))
            assert missing(client, doomed) == (
                "NotFoundException",
                f"Key '{key_arn(doomed)}' does not exist",
            )
            assert len(client.list_key_rotations(KeyId=rotating)["Rotations"]) == 1
        traveller.move_to(T0)
        with mock_kms(snapshot=snapshot):  # neither copy's clock reached the snapshot
            client = kms_client()
            assert state(client, doomed) == "PendingDeletion"
            assert client.list_key_rotations(KeyId=rotating)["Rotations"] == []


def _keys_of(kms: KmsMock) -> list[object]:
    return [key for where in kms.world.regions.values() for key in where.keys.values()]


def test_multi_region_keys_are_copied_as_one_set() -> None:
    with mock_kms() as kms:
        east = kms_client("us-east-1")
        key_id = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
        east.replicate_key(KeyId=key_id, ReplicaRegion="us-west-2")
        blob = east.encrypt(KeyId=key_id, Plaintext=b"dr")["CiphertextBlob"]
        snapshot = kms.snapshot()
    with mock_kms(snapshot=snapshot) as copied:
        west = kms_client("us-west-2")
        assert west.decrypt(CiphertextBlob=blob, KeyId=key_id)["Plaintext"] == b"dr"
        kms_client("us-east-1").update_primary_region(KeyId=key_id, PrimaryRegion="us-west-2")
        west.describe_key(KeyId=key_id)  # settles Updating
        sets = {id(key.mrk) for key in _keys_of(copied)}  # type: ignore[attr-defined]
        assert len(sets) == 1  # both keys point at one copied set
        west.rotate_key_on_demand(KeyId=key_id)
        assert len(kms_client("us-east-1").list_key_rotations(KeyId=key_id)["Rotations"]) == 1
    with mock_kms(snapshot=snapshot):
        config = kms_client("us-west-2").describe_key(KeyId=key_id)["KeyMetadata"][
            "MultiRegionConfiguration"
        ]
        assert config["MultiRegionKeyType"] == "REPLICA"
        assert config["PrimaryKey"] == {"Arn": key_arn(key_id), "Region": "us-east-1"}
        assert kms_client("us-east-1").list_key_rotations(KeyId=key_id)["Rotations"] == []


def test_custom_key_stores_are_copied() -> None:
    with mock_kms() as kms:
        client = kms_client()
        store_id = client.create_custom_key_store(
            CustomKeyStoreName="hsm",
            CloudHsmClusterId="cluster-abcdefghijk",
            TrustAnchorCertificate=CERT,
            KeyStorePassword="kmsuser-password",
        )["CustomKeyStoreId"]
        client.connect_custom_key_store(CustomKeyStoreId=store_id)
        key_id = client.create_key(CustomKeyStoreId=store_id, Origin="AWS_CLOUDHSM")["KeyMetadata"][
            "KeyId"
        ]
        snapshot = kms.snapshot()
    with mock_kms(snapshot=snapshot) as copied:
        client = kms_client()
        client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        assert state(client, key_id) == "Unavailable"
        copied.break_custom_key_store(store_id, "NETWORK_ERRORS")
    with mock_kms(snapshot=snapshot):
        client = kms_client()
        assert state(client, key_id) == "Enabled"
        # The store broken in the other copy connects in this one.
        client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        client.connect_custom_key_store(CustomKeyStoreId=store_id)
        assert state(client, key_id) == "Enabled"


def test_principals_and_identity_policies_are_copied() -> None:
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
    }
    with mock_kms() as kms:
        key_id = kms_client().create_key()["KeyMetadata"]["KeyId"]
        credentials = kms.credentials(ROLE)
        snapshot = kms.snapshot()
    with mock_kms(snapshot=snapshot) as copied:
        app = kms_client(**credentials)
        with pytest.raises(ClientError) as excinfo:
            app.describe_key(KeyId=key_id)
        assert error_of(excinfo)[0] == "AccessDeniedException"
        copied.set_identity_policy(ROLE, allow)
        assert app.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id
    with mock_kms(snapshot=snapshot):
        with pytest.raises(ClientError) as excinfo:
            kms_client(**credentials).describe_key(KeyId=key_id)
        assert error_of(excinfo)[0] == "AccessDeniedException"


def test_no_new_key_of_a_copy_gets_a_private_key_of_the_snapshot() -> None:
    """The building mock's RSA keys would go back to the pool when it ends; the snapshot
    keeps them, so a key made in a copy never shares one with a key of the snapshot."""
    keypool.clear()
    with mock_kms() as kms:
        client = kms_client()
        key_id = client.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
            "KeyId"
        ]
        public = client.get_public_key(KeyId=key_id)["PublicKey"]
        snapshot = kms.snapshot()
    for _ in range(2):
        with mock_kms(snapshot=snapshot):
            client = kms_client()
            assert client.get_public_key(KeyId=key_id)["PublicKey"] == public
            made = client.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
            assert client.get_public_key(KeyId=made["KeyMetadata"]["KeyId"])["PublicKey"] != public


def test_the_snapshot_sets_the_account_and_policy_enforcement_by_default() -> None:
    with mock_kms(account_id="111122223333", enforce_policies=False) as kms:
        kms_client().create_key()
        snapshot = kms.snapshot()
    assert repr(snapshot) == (
        "<kmsmock Snapshot: 1 keys, account 111122223333, policies not enforced>"
    )
    with mock_kms(snapshot=snapshot) as copied:
        assert (copied.account_id, copied.enforce_policies) == ("111122223333", False)
        assert len(kms_client().list_keys()["Keys"]) == 1
    with mock_kms(snapshot=snapshot, account_id="123456789012", enforce_policies=True) as other:
        assert other.world.access.enforce
        assert kms_client().list_keys()["Keys"] == []  # the keys are in the other account


def test_a_decorated_test_gets_a_fresh_copy_on_each_call(built: dict[str, Any]) -> None:
    @mock_kms(snapshot=built["snapshot"])
    def count_and_add() -> int:
        client = kms_client()
        found = len(client.list_keys()["Keys"])
        client.create_key()
        return found

    assert [count_and_add(), count_and_add()] == [1, 1]


def test_a_snapshot_is_immutable_and_copies_of_it_are_itself(built: dict[str, Any]) -> None:
    snapshot = built["snapshot"]
    assert copy.copy(snapshot) is snapshot
    assert copy.deepcopy(snapshot) is snapshot
    with pytest.raises(AttributeError):
        snapshot.extra = 1


def test_a_snapshot_is_taken_while_the_mock_is_active() -> None:
    mock = KmsMock()
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock.snapshot()
    message = (
        "take the snapshot while the mock is active (inside `with mock_kms() as kms:`, or "
        "between start() and stop())"
    )
    assert str(excinfo.value) == message
    with mock:
        pass
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock.snapshot()
    assert str(excinfo.value) == message


def test_a_snapshot_mock_cannot_start_inside_another_mock(built: dict[str, Any]) -> None:
    with mock_kms():
        inner = mock_kms(snapshot=built["snapshot"])
        with pytest.raises(KmsMockUsageError) as excinfo:
            inner.start()
        assert not inner.active
    assert str(excinfo.value).startswith(
        "a mock started from a snapshot must be the only active mock: another mock is active"
    )


@pytest.mark.parametrize("value", ["snapshot", {}, object()])
def test_snapshot_must_be_a_snapshot(value: object) -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock_kms(snapshot=value)  # type: ignore[call-overload]
    assert str(excinfo.value) == (
        f"snapshot must be what KmsMock.snapshot() returned; got {type(value).__name__}"
    )
    assert isinstance(Snapshot, type)


# -- the copy shares nothing that changes in place -------------------------------------------

# Shared on purpose: nothing changes these in place once made (grants are replaced or deleted,
# key material and import parameters only ever added); frozen dataclasses too.
_SHARED = (KeyMaterial, Grant, ImportParameters)


def _mutables(root: object) -> dict[int, object]:
    """Every mutable object reachable from ``root`` through dataclasses, containers and
    kmsmock's own objects, except the ones shared on purpose."""
    found: dict[int, object] = {}
    stack = [root]
    while stack:
        item = stack.pop()
        if id(item) in found or isinstance(item, (str, bytes, int, float, bool, type(None))):
            continue
        if isinstance(item, _SHARED) or type(item).__module__.startswith(("cryptography", "_")):
            continue
        if isinstance(item, tuple):
            if type(item).__module__.startswith("kmsmock"):
                continue  # audit events, authorization decisions: immutable named tuples
            stack.extend(item)
            continue
        if isinstance(item, (datetime, timedelta)):
            continue
        if dataclasses.is_dataclass(item) and type(item).__dataclass_params__.frozen:  # type: ignore[attr-defined]
            continue  # callers, authorization decisions: immutable, shared
        found[id(item)] = item
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, set, frozenset, deque)):
            stack.extend(item)
        elif dataclasses.is_dataclass(item):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
        elif type(item).__module__.startswith("kmsmock"):
            stack.extend(vars(item).values())
    return found


def test_a_copy_shares_no_mutable_object_with_its_original() -> None:
    with time_machine.travel(T0, tick=False), mock_kms() as kms:
        east = kms_client()
        key_id = east.create_key(Tags=[{"TagKey": "a", "TagValue": "b"}])["KeyMetadata"]["KeyId"]
        east.create_alias(AliasName="alias/a", TargetKeyId=key_id)
        east.create_grant(KeyId=key_id, GranteePrincipal=ROLE, Operations=["Encrypt"])
        east.enable_key_rotation(KeyId=key_id)
        east.rotate_key_on_demand(KeyId=key_id)
        mrk = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
        east.replicate_key(KeyId=mrk, ReplicaRegion="eu-west-1")
        external = east.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        east.get_parameters_for_import(
            KeyId=external, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
        )
        store_id = east.create_custom_key_store(
            CustomKeyStoreName="hsm",
            CloudHsmClusterId="cluster-abcdefghijk",
            TrustAnchorCertificate=CERT,
            KeyStorePassword="kmsuser-password",
        )["CustomKeyStoreId"]
        east.connect_custom_key_store(CustomKeyStoreId=store_id)
        east.create_key(CustomKeyStoreId=store_id, Origin="AWS_CLOUDHSM")
        kms.credentials(ROLE)
        kms.world.custom_key_store_faults["cks-0"] = "NETWORK_ERRORS"
        original = kms.world
        copied = original.copy()
    assert copied.secret == original.secret
    assert len(copied.due) == len(original.due) > 0
    before, after = _mutables(original), _mutables(copied)
    shared = set(before) & set(after)
    assert not shared, [type(before[i]).__name__ for i in shared]
    # Every kind of mutable object was reached (the walk did not stop early).
    kinds = {type(item).__name__ for item in after.values()}
    assert {"Key", "AliasTable", "Alias", "Imported", "CustomKeyStore", "MultiRegionSet"} <= kinds
    assert {"RegionState", "Access", "deque"} <= kinds


# -- property: nothing a copy does reaches the snapshot --------------------------------------

_PROPERTY: dict[str, Any] = {}


def _property_snapshot() -> tuple[Snapshot, list[str]]:
    """Built once (hypothesis runs the test many times; no function-scoped fixture)."""
    if not _PROPERTY:
        with mock_kms() as kms:
            client = kms_client()
            keys = [
                client.create_key(Description=f"k{n}")["KeyMetadata"]["KeyId"] for n in range(3)
            ]
            client.create_alias(AliasName="alias/k0", TargetKeyId=keys[0])
            client.tag_resource(KeyId=keys[1], Tags=[{"TagKey": "t", "TagValue": "v"}])
            client.create_grant(KeyId=keys[2], GranteePrincipal=ROLE, Operations=["Encrypt"])
            _PROPERTY.update(snapshot=kms.snapshot(), keys=keys)
    return _PROPERTY["snapshot"], _PROPERTY["keys"]


def _observe(client: BaseClient) -> dict[str, Any]:
    seen: dict[str, Any] = {
        "aliases": sorted(
            (a["AliasName"], a.get("TargetKeyId")) for a in client.list_aliases()["Aliases"]
        )
    }
    for entry in client.list_keys()["Keys"]:
        key_id = entry["KeyId"]
        seen[key_id] = (
            client.describe_key(KeyId=key_id)["KeyMetadata"],
            client.list_resource_tags(KeyId=key_id)["Tags"],
            client.list_grants(KeyId=key_id)["Grants"],
            client.get_key_policy(KeyId=key_id)["Policy"],
            client.list_key_rotations(KeyId=key_id)["Rotations"],
        )
    return seen


def _change(client: BaseClient, op: str, key_id: str, n: int) -> None:
    calls: dict[str, Callable[[], object]] = {
        "disable": lambda: client.disable_key(KeyId=key_id),
        "enable": lambda: client.enable_key(KeyId=key_id),
        "tag": lambda: client.tag_resource(
            KeyId=key_id, Tags=[{"TagKey": "t", "TagValue": f"{n}"}]
        ),
        "untag": lambda: client.untag_resource(KeyId=key_id, TagKeys=["t"]),
        "alias": lambda: client.create_alias(AliasName=f"alias/n{n}", TargetKeyId=key_id),
        "retarget": lambda: client.update_alias(AliasName="alias/k0", TargetKeyId=key_id),
        "unalias": lambda: client.delete_alias(AliasName="alias/k0"),
        "delete": lambda: client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7),
        "undelete": lambda: client.cancel_key_deletion(KeyId=key_id),
        "rotate": lambda: client.rotate_key_on_demand(KeyId=key_id),
        "grant": lambda: client.create_grant(
            KeyId=key_id, GranteePrincipal=ROLE, Operations=["Decrypt"]
        ),
        "revoke": lambda: [
            client.revoke_grant(KeyId=key_id, GrantId=g["GrantId"])
            for g in client.list_grants(KeyId=key_id)["Grants"]
        ],
        "describe": lambda: client.update_key_description(KeyId=key_id, Description=f"d{n}"),
        "create": lambda: client.create_key(),
    }
    # Not allowed in the key's state: a change that did not happen.
    with contextlib.suppress(ClientError):
        calls[op]()


_OPS = [
    "disable",
    "enable",
    "tag",
    "untag",
    "alias",
    "retarget",
    "unalias",
    "delete",
    "undelete",
    "rotate",
    "grant",
    "revoke",
    "describe",
    "create",
]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_OPS), st.integers(0, 2)), min_size=1, max_size=10))
def test_no_changes_in_a_copy_reach_the_snapshot(changes: list[tuple[str, int]]) -> None:
    snapshot, keys = _property_snapshot()
    with mock_kms(snapshot=snapshot):
        client = kms_client()
        expected = _observe(client)
        first_change = None
        for n, (op, index) in enumerate(changes):
            _change(client, op, keys[index], n)
            if n == 0:
                first_change = _observe(client)
    with mock_kms(snapshot=snapshot):
        assert _observe(kms_client()) == expected
    # The copy did change; a later change may undo an earlier one (tag, then untag), so the
    # first one is the one sure to show.
    if changes[0][0] in ("create", "describe", "alias", "tag"):
        assert first_change != expected
