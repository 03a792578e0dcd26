"""Key deletion when the waiting period ends, through boto3: the key, its aliases and its key
material are gone, and every later reference says so as AWS does."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, error_of, key_arn, requires_model
from freezegun import freeze_time

from kmsmock import KmsMock

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
ALIAS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/"


def new_key(client: BaseClient) -> str:
    key_id: str = client.create_key()["KeyMetadata"]["KeyId"]
    return key_id


def error(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    return error_of(excinfo)


def key_ids(client: BaseClient) -> list[str]:
    return [k["KeyId"] for k in client.list_keys(Limit=1000)["Keys"]]


def user_aliases(client: BaseClient) -> dict[str, str]:
    return {
        a["AliasName"]: a["TargetKeyId"]
        for a in client.list_aliases(Limit=100)["Aliases"]
        if "TargetKeyId" in a
    }


def not_found(key_id: str) -> tuple[str, str]:
    return ("NotFoundException", f"Key '{key_arn(key_id)}' does not exist")


def test_the_key_is_gone_when_its_deletion_date_comes(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        response = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        assert response["DeletionDate"] == T0 + timedelta(days=7)
        clock.move_to(T0 + timedelta(days=7) - timedelta(milliseconds=1))
        assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
        clock.move_to(T0 + timedelta(days=7))
        assert error(client.describe_key, KeyId=key_id) == not_found(key_id)
        assert error(client.describe_key, KeyId=key_arn(key_id)) == not_found(key_id)
        assert key_ids(client) == []


def test_the_default_window_is_thirty_days(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.schedule_key_deletion(KeyId=key_id)
        clock.tick(timedelta(days=29, hours=23))
        assert key_ids(client) == [key_id]
        clock.tick(timedelta(hours=1))
        assert key_ids(client) == []


DELETED_KEY_CALLS: list[Any] = [
    ("describe_key", {}),
    ("enable_key", {}),
    ("disable_key", {}),
    ("update_key_description", {"Description": "d"}),
    ("schedule_key_deletion", {"PendingWindowInDays": 7}),
    ("cancel_key_deletion", {}),
    ("get_key_policy", {"PolicyName": "default"}),
    ("put_key_policy", {"PolicyName": "default", "Policy": '{"Statement": []}'}),
    ("list_key_policies", {}),
    ("tag_resource", {"Tags": [{"TagKey": "a", "TagValue": "b"}]}),
    ("untag_resource", {"TagKeys": ["a"]}),
    ("list_resource_tags", {}),
    ("list_aliases", {}),
    ("encrypt", {"Plaintext": b"x"}),
    ("generate_data_key", {"KeySpec": "AES_256"}),
    ("generate_data_key_without_plaintext", {"NumberOfBytes": 16}),
    ("enable_key_rotation", {}),
    ("disable_key_rotation", {}),
    ("get_key_rotation_status", {}),
    ("rotate_key_on_demand", {}),
    ("list_key_rotations", {}),
    pytest.param("get_key_last_usage", {}, marks=requires_model("GetKeyLastUsage")),
]


@pytest.fixture
def deleted(client: BaseClient) -> tuple[str, bytes]:
    """A key deleted at the end of its waiting period, and a ciphertext made under it."""
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        blob: bytes = client.encrypt(KeyId=key_id, Plaintext=b"gone")["CiphertextBlob"]
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.tick(timedelta(days=8))
        client.list_keys()  # any request applies the deletion
    return key_id, blob


@pytest.mark.parametrize(("method", "extra"), DELETED_KEY_CALLS)
def test_every_operation_on_a_deleted_key_answers_not_found(
    client: BaseClient, deleted: tuple[str, bytes], method: str, extra: dict[str, Any]
) -> None:
    key_id, _ = deleted
    for name in (key_id, key_arn(key_id)):
        assert error(getattr(client, method), KeyId=name, **extra) == not_found(key_id)


def test_an_alias_cannot_be_pointed_at_a_deleted_key(
    client: BaseClient, deleted: tuple[str, bytes]
) -> None:
    key_id, _ = deleted
    assert error(client.create_alias, AliasName="alias/late", TargetKeyId=key_id) == not_found(
        key_id
    )
    client.create_alias(AliasName="alias/live", TargetKeyId=new_key(client))
    assert error(client.update_alias, AliasName="alias/live", TargetKeyId=key_id) == not_found(
        key_id
    )


def test_ciphertexts_under_a_deleted_key_can_no_longer_be_decrypted(
    client: BaseClient, deleted: tuple[str, bytes]
) -> None:
    key_id, blob = deleted
    message = (
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:{{}} on the "
        "resource associated with this ciphertext because the resource does not exist in this "
        "Region, no resource-based policies allow access, or a resource-based policy explicitly "
        "denies access"
    )
    assert error(client.decrypt, CiphertextBlob=blob) == (
        "AccessDeniedException",
        message.format("Decrypt"),
    )
    other = new_key(client)
    assert error(client.re_encrypt, CiphertextBlob=blob, DestinationKeyId=other) == (
        "AccessDeniedException",
        message.format("ReEncryptFrom"),
    )
    # Naming the deleted key as well: the key is not found first.
    assert error(client.decrypt, CiphertextBlob=blob, KeyId=key_id) == not_found(key_id)


def test_aliases_of_a_deleted_key_are_deleted_with_it(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        doomed, kept = new_key(client), new_key(client)
        for name in ("alias/a", "alias/b", "alias/moved"):
            client.create_alias(AliasName=name, TargetKeyId=doomed)
        client.create_alias(AliasName="alias/other", TargetKeyId=kept)
        client.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
        # An alias may be moved off a key pending deletion; it then survives the deletion.
        client.update_alias(AliasName="alias/moved", TargetKeyId=kept)
        clock.tick(timedelta(days=7))
        assert user_aliases(client) == {"alias/moved": kept, "alias/other": kept}
        assert error(client.encrypt, KeyId="alias/a", Plaintext=b"x") == (
            "NotFoundException",
            f"Alias {ALIAS_ARN}a is not found.",
        )
        assert error(client.delete_alias, AliasName="alias/b") == (
            "NotFoundException",
            f"Alias {ALIAS_ARN}b is not found.",
        )
        # The name is free again.
        client.create_alias(AliasName="alias/a", TargetKeyId=kept)
        assert user_aliases(client)["alias/a"] == kept


def test_list_keys_omits_deleted_keys_and_pages_past_them(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        keys = [new_key(client) for _ in range(6)]
        first_page = client.list_keys(Limit=2)
        assert [k["KeyId"] for k in first_page["Keys"]] == keys[:2]
        for key_id in (keys[1], keys[2], keys[4]):
            client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.tick(timedelta(days=7))
        assert key_ids(client) == [keys[0], keys[3], keys[5]]
        # A marker issued before the deletion still works.
        rest = client.list_keys(Marker=first_page["NextMarker"])
        assert [k["KeyId"] for k in rest["Keys"]] == [keys[3], keys[5]]


def test_cancelling_before_the_date_keeps_the_key_disabled(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        blob = client.encrypt(KeyId=key_id, Plaintext=b"kept")["CiphertextBlob"]
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.tick(timedelta(days=6))
        client.cancel_key_deletion(KeyId=key_id)
        clock.tick(timedelta(days=365))
        meta = client.describe_key(KeyId=key_id)["KeyMetadata"]
        assert (meta["KeyState"], meta["Enabled"], "DeletionDate" in meta) == (
            "Disabled",
            False,
            False,
        )
        client.enable_key(KeyId=key_id)
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"


def test_rescheduling_after_a_cancel_uses_the_new_date(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.tick(timedelta(days=1))
        client.cancel_key_deletion(KeyId=key_id)
        clock.tick(timedelta(days=1))
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
        clock.move_to(T0 + timedelta(days=7, hours=1))  # the first date: not deleted
        assert key_ids(client) == [key_id]
        clock.move_to(T0 + timedelta(days=32))
        assert key_ids(client) == []


def test_keys_are_deleted_in_every_region_and_account(kms: KmsMock) -> None:
    with freeze_time(T0) as clock:
        east = boto3.client("kms", region_name=REGION)
        west = boto3.client("kms", region_name="us-west-2")
        east_key, west_key = new_key(east), new_key(west)
        west.create_alias(AliasName="alias/w", TargetKeyId=west_key)
        east.schedule_key_deletion(KeyId=east_key, PendingWindowInDays=7)
        west.schedule_key_deletion(KeyId=west_key, PendingWindowInDays=8)
        clock.tick(timedelta(days=10))
        # One request, in one region, settles every transition that is due.
        assert key_ids(east) == []
        assert kms.world.regions[(ACCOUNT, "us-west-2")].keys == {}
        assert len(kms.world.regions[(ACCOUNT, "us-west-2")].aliases) == 0
        assert error(west.describe_key, KeyId=west_key) == (
            "NotFoundException",
            f"Key '{key_arn(west_key, region='us-west-2')}' does not exist",
        )


def test_a_deletion_due_ends_a_key_s_pending_rotations(client: BaseClient, kms: KmsMock) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.tick(timedelta(days=100))
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
        key = kms.world.regions[(ACCOUNT, REGION)].keys[key_id]
        clock.tick(timedelta(days=10 * 365))
        assert key_ids(client) == []
        # One rotation, at day 90, before the key was scheduled; none after.
        assert [m.rotation_type for m in key.materials] == [None, "AUTOMATIC"]
        # Nothing is left queued for it.
        assert not [entry for entry in kms.world.due if entry[2] is key]
