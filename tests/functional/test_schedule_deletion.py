"""ScheduleKeyDeletion and CancelKeyDeletion, and what a key pending deletion refuses
(the deletion itself, when the window ends, is in test_deletion.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, describe, error_of, key_arn, new_key
from freezegun import freeze_time

FROZEN = "2024-05-06 07:08:09.123456"
FROZEN_AT = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=timezone.utc)


def all_key_ids(client: BaseClient) -> list[str]:
    return [k["KeyId"] for k in client.list_keys(Limit=1000)["Keys"]]


def state(client: BaseClient, key_id: str) -> tuple[bool, str]:
    meta = describe(client, key_id)
    return meta["Enabled"], meta["KeyState"]


# -- ScheduleKeyDeletion, CancelKeyDeletion ----------------------------------------------------


@pytest.mark.parametrize("days", [None, 7, 8, 29, 30])
def test_schedule_key_deletion(client: BaseClient, days: int | None) -> None:
    key_id = new_key(client)["KeyId"]
    window = {} if days is None else {"PendingWindowInDays": days}
    with freeze_time(FROZEN):
        response = client.schedule_key_deletion(KeyId=key_id, **window)
        # Read while the clock still says FROZEN: the real clock is past the DeletionDate.
        meta = describe(client, key_id)
    response.pop("ResponseMetadata")
    deletion = FROZEN_AT + timedelta(days=days or 30)
    assert response == {
        "KeyId": key_arn(key_id),
        "DeletionDate": deletion,
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": days or 30,
    }
    assert (meta["Enabled"], meta["KeyState"], meta["DeletionDate"]) == (
        False,
        "PendingDeletion",
        deletion,
    )


@pytest.mark.parametrize(
    ("days", "bound"),
    [(6, "greater than or equal to 7"), (1, "greater than or equal to 7")]
    + [(31, "less than or equal to 30"), (365, "less than or equal to 30")]
    # Outside the model's own 1..365, which botocore would check client-side.
    + [(0, "greater than or equal to 1"), (366, "less than or equal to 365")],
)
def test_schedule_key_deletion_window_out_of_range(
    raw_client: BaseClient, days: int, bound: str
) -> None:
    # AWS's own wording for 1..6 and 31..365 was never recorded (the model allows 1..365 and
    # AWS checks 7..30 itself); the mock words it as AWS words its model checks.
    key_id = new_key(raw_client)["KeyId"]
    with pytest.raises(ClientError) as excinfo:
        raw_client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=days)
    assert error_of(excinfo) == (
        "ValidationException",
        f"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to "
        f"satisfy constraint: Member must have value {bound}",
    )
    assert state(raw_client, key_id) == (True, "Enabled")


def test_schedule_deletion_of_a_disabled_key(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    client.disable_key(KeyId=key_id)
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert state(client, key_id) == (False, "PendingDeletion")


@pytest.fixture
def pending(client: BaseClient) -> tuple[str, bytes]:
    """A key pending deletion (with an alias, a tag and a ciphertext made before), and that
    ciphertext."""
    key_id = new_key(client, Tags=[{"TagKey": "k", "TagValue": "v"}])["KeyId"]
    client.create_alias(AliasName="alias/doomed", TargetKeyId=key_id)
    blob: bytes = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    client.schedule_key_deletion(KeyId=key_id)
    return key_id, blob


REFUSED_WHILE_PENDING = [
    ("encrypt", {"Plaintext": b"x"}),
    ("generate_data_key", {"KeySpec": "AES_256"}),
    ("generate_data_key_without_plaintext", {"NumberOfBytes": 32}),
    ("enable_key", {}),
    ("disable_key", {}),
    ("update_key_description", {"Description": "x"}),
    ("schedule_key_deletion", {"PendingWindowInDays": 7}),
    ("tag_resource", {"Tags": [{"TagKey": "a", "TagValue": "b"}]}),
    ("untag_resource", {"TagKeys": ["k"]}),
]


@pytest.mark.parametrize(("method", "extra"), REFUSED_WHILE_PENDING)
def test_key_pending_deletion_refuses(
    client: BaseClient, pending: tuple[str, bytes], method: str, extra: dict[str, Any]
) -> None:
    key_id, _ = pending
    with pytest.raises(ClientError) as excinfo:
        getattr(client, method)(KeyId=key_id, **extra)
    assert error_of(excinfo) == (
        "KMSInvalidStateException",
        f"{key_arn(key_id)} is pending deletion.",
    )
    assert state(client, key_id) == (False, "PendingDeletion")


def test_key_pending_deletion_refuses_decrypt_and_new_aliases(
    client: BaseClient, pending: tuple[str, bytes]
) -> None:
    key_id, blob = pending
    expected = ("KMSInvalidStateException", f"{key_arn(key_id)} is pending deletion.")
    with pytest.raises(ClientError) as decrypt:
        client.decrypt(CiphertextBlob=blob)
    assert error_of(decrypt) == expected
    with pytest.raises(ClientError) as encrypt_by_alias:
        client.encrypt(KeyId="alias/doomed", Plaintext=b"x")
    assert error_of(encrypt_by_alias) == expected
    with pytest.raises(ClientError) as create_alias:
        client.create_alias(AliasName="alias/another", TargetKeyId=key_id)
    assert error_of(create_alias) == expected


def test_key_pending_deletion_can_still_be_read_and_managed(
    client: BaseClient, pending: tuple[str, bytes]
) -> None:
    key_id, _ = pending
    assert describe(client, "alias/doomed")["KeyId"] == key_id
    assert client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    assert client.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]
    assert client.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "k", "TagValue": "v"}]
    assert [a["AliasName"] for a in client.list_aliases(KeyId=key_id)["Aliases"]] == [
        "alias/doomed"
    ]
    assert all_key_ids(client) == [key_id]
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )
    client.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy)
    assert client.get_key_policy(KeyId=key_id)["Policy"] == policy
    client.delete_alias(AliasName="alias/doomed")
    assert client.list_aliases(KeyId=key_id)["Aliases"] == []


def test_cancel_key_deletion_leaves_the_key_disabled(
    client: BaseClient, pending: tuple[str, bytes]
) -> None:
    key_id, blob = pending
    response = client.cancel_key_deletion(KeyId=key_arn(key_id))
    assert response["KeyId"] == key_arn(key_id)
    meta = describe(client, key_id)
    assert (meta["Enabled"], meta["KeyState"]) == (False, "Disabled")
    assert "DeletionDate" not in meta
    client.enable_key(KeyId=key_id)
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


def test_deletion_can_be_scheduled_again_after_cancelling(
    client: BaseClient, pending: tuple[str, bytes]
) -> None:
    key_id, _ = pending
    client.cancel_key_deletion(KeyId=key_id)
    with freeze_time(FROZEN):
        response = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=9)
    assert response["DeletionDate"] == FROZEN_AT + timedelta(days=9)


@pytest.mark.parametrize("disabled", [False, True])
def test_cancel_key_deletion_of_a_key_not_pending(client: BaseClient, disabled: bool) -> None:
    key_id = new_key(client)["KeyId"]
    if disabled:
        client.disable_key(KeyId=key_id)
    with pytest.raises(ClientError) as excinfo:
        client.cancel_key_deletion(KeyId=key_id)
    assert error_of(excinfo) == (
        "KMSInvalidStateException",
        f"{key_arn(key_id)} is not pending deletion.",
    )
    assert state(client, key_id) == (not disabled, "Disabled" if disabled else "Enabled")


def test_key_is_gone_once_its_deletion_date_has_passed(client: BaseClient) -> None:
    with freeze_time(FROZEN) as frozen:
        key_id = new_key(client)["KeyId"]
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        frozen.tick(timedelta(days=7, seconds=1))
        with pytest.raises(ClientError) as excinfo:
            client.describe_key(KeyId=key_id)
    assert error_of(excinfo) == ("NotFoundException", f"Key '{key_arn(key_id)}' does not exist")
