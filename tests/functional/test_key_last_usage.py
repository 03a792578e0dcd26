"""GetKeyLastUsage through boto3: the last successful cryptographic use of a key, with its
timestamp from the clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, error_of, key_arn, requires_model
from freezegun import freeze_time

from kmsmock import KmsMock, mock_kms

pytestmark = requires_model("GetKeyLastUsage")

T0 = datetime(2030, 6, 1, 8, 0, 0, tzinfo=timezone.utc)
UNKNOWN_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


def new_key(client: BaseClient) -> str:
    key_id: str = client.create_key()["KeyMetadata"]["KeyId"]
    return key_id


def last_usage(client: BaseClient, key_id: str) -> dict[str, Any]:
    usage: dict[str, Any] = client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]
    return usage


def error(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    return error_of(excinfo)


def test_a_key_never_used(client: BaseClient) -> None:
    with freeze_time(T0):
        key_id = new_key(client)
    response = client.get_key_last_usage(KeyId=key_arn(key_id))
    response.pop("ResponseMetadata")
    # The mock tracks every key from its creation.
    assert response == {
        "KeyId": key_arn(key_id),
        "KeyLastUsage": {},
        "TrackingStartDate": T0,
        "KeyCreationDate": T0,
    }


USES: list[tuple[str, Callable[[BaseClient, str, bytes], Any]]] = [
    ("Encrypt", lambda c, key, blob: c.encrypt(KeyId=key, Plaintext=b"p")),
    ("Decrypt", lambda c, key, blob: c.decrypt(CiphertextBlob=blob)),
    (
        "ReEncrypt",
        lambda c, key, blob: c.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key),
    ),
    ("GenerateDataKey", lambda c, key, blob: c.generate_data_key(KeyId=key, KeySpec="AES_128")),
    (
        "GenerateDataKeyWithoutPlaintext",
        lambda c, key, blob: c.generate_data_key_without_plaintext(KeyId=key, NumberOfBytes=8),
    ),
]


@pytest.mark.parametrize(("operation", "use"), USES, ids=[u[0] for u in USES])
def test_each_cryptographic_operation_is_recorded(
    client: BaseClient, operation: str, use: Callable[[BaseClient, str, bytes], Any]
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        blob = client.encrypt(KeyId=key_id, Plaintext=b"p")["CiphertextBlob"]
        clock.tick(timedelta(minutes=5, milliseconds=250))
        use(client, key_id, blob)
        usage = last_usage(client, key_id)
    assert set(usage) == {"Operation", "Timestamp", "CloudTrailEventId", "KmsRequestId"}
    assert (usage["Operation"], usage["Timestamp"]) == (
        operation,
        T0 + timedelta(minutes=5, milliseconds=250),
    )
    for name in ("CloudTrailEventId", "KmsRequestId"):
        assert str(uuid.UUID(usage[name])) == usage[name]


def test_the_request_id_is_the_one_the_use_was_answered_with(client: BaseClient) -> None:
    key_id = new_key(client)
    answer = client.encrypt(KeyId=key_id, Plaintext=b"p")
    usage = last_usage(client, key_id)
    assert usage["KmsRequestId"] == answer["ResponseMetadata"]["RequestId"]
    assert usage["CloudTrailEventId"] != usage["KmsRequestId"]


def test_the_event_id_names_the_use_s_audit_event(client: BaseClient, kms: KmsMock) -> None:
    key_id = new_key(client)
    answer = client.encrypt(KeyId=key_id, Plaintext=b"p")
    client.describe_key(KeyId=key_id)  # not a cryptographic use
    usage = last_usage(client, key_id)
    (event,) = kms.events.filter(operation="Encrypt")
    assert event.request_id == answer["ResponseMetadata"]["RequestId"]
    assert usage["CloudTrailEventId"] == event.event_id
    (record,) = [r for r in kms.events.to_cloudtrail()["Records"] if r["eventName"] == "Encrypt"]
    assert record["eventID"] == usage["CloudTrailEventId"]
    assert uuid.UUID(record["eventID"]).version == 4  # shaped as CloudTrail's
    # Still named after the bounded log has dropped the event.
    kms.configure(audit_events_kept=1)
    client.list_keys()
    assert kms.events.filter(operation="Encrypt") == []
    assert last_usage(client, key_id) == usage


def test_the_ids_are_stable_until_the_next_use(client: BaseClient) -> None:
    key_id = new_key(client)
    client.encrypt(KeyId=key_id, Plaintext=b"p")
    first = last_usage(client, key_id)
    assert last_usage(client, key_id) == first
    client.encrypt(KeyId=key_id, Plaintext=b"p")
    second = last_usage(client, key_id)
    assert second["CloudTrailEventId"] != first["CloudTrailEventId"]
    assert second["KmsRequestId"] != first["KmsRequestId"]


def test_re_encrypt_is_recorded_on_both_keys(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        source, destination, bystander = new_key(client), new_key(client), new_key(client)
        blob = client.encrypt(KeyId=source, Plaintext=b"p")["CiphertextBlob"]
        client.encrypt(KeyId=bystander, Plaintext=b"p")
        clock.tick(timedelta(days=1))
        client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=destination)
        for key_id in (source, destination):
            usage = last_usage(client, key_id)
            assert (usage["Operation"], usage["Timestamp"]) == ("ReEncrypt", T0 + timedelta(days=1))
        assert last_usage(client, bystander)["Timestamp"] == T0


def test_failed_and_dry_run_operations_are_not_recorded(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        blob = client.encrypt(KeyId=key_id, Plaintext=b"p", EncryptionContext={"purpose": "test"})[
            "CiphertextBlob"
        ]
        clock.tick(timedelta(hours=1))
        with pytest.raises(ClientError):
            client.encrypt(KeyId=key_id, Plaintext=b"p", DryRun=True)
        with pytest.raises(ClientError):
            client.decrypt(CiphertextBlob=blob)  # the encryption context is missing
        with pytest.raises(ClientError):
            client.generate_data_key(KeyId=key_id, KeySpec="AES_256", DryRun=True)
        client.describe_key(KeyId=key_id)
        client.generate_random(NumberOfBytes=8)
        client.rotate_key_on_demand(KeyId=key_id)
        client.disable_key(KeyId=key_id)
        with pytest.raises(ClientError):
            client.encrypt(KeyId=key_id, Plaintext=b"p")
        usage = last_usage(client, key_id)
    assert (usage["Operation"], usage["Timestamp"]) == ("Encrypt", T0)


def test_usage_through_an_alias_is_the_key_s_usage(client: BaseClient) -> None:
    with freeze_time(T0):
        key_id = new_key(client)
        client.create_alias(AliasName="alias/app", TargetKeyId=key_id)
        client.encrypt(KeyId="alias/app", Plaintext=b"p")
        assert last_usage(client, key_id)["Operation"] == "Encrypt"


def test_get_key_last_usage_works_in_every_key_state(client: BaseClient) -> None:
    key_id = new_key(client)
    client.encrypt(KeyId=key_id, Plaintext=b"p")
    client.disable_key(KeyId=key_id)
    assert last_usage(client, key_id)["Operation"] == "Encrypt"
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert last_usage(client, key_id)["Operation"] == "Encrypt"


def test_get_key_last_usage_identifier_errors(client: BaseClient) -> None:
    key_id = new_key(client)
    client.create_alias(AliasName="alias/used", TargetKeyId=key_id)
    for name in ("alias/used", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/used"):
        assert error(client.get_key_last_usage, KeyId=name) == (
            "InvalidArnException",
            "Key Aliases are not supported for this operation.",
        )
    assert error(client.get_key_last_usage, KeyId=UNKNOWN_ID) == (
        "NotFoundException",
        f"Key '{key_arn(UNKNOWN_ID)}' does not exist",
    )
    assert error(client.get_key_last_usage, KeyId="nope") == (
        "NotFoundException",
        "Invalid keyId 'nope'",
    )


def test_get_key_last_usage_is_not_cross_account(client: BaseClient) -> None:
    key_id = new_key(client)
    with mock_kms(account_id="111122223333"):
        other = boto3.client("kms", region_name=REGION)
        assert error(other.get_key_last_usage, KeyId=key_arn(key_id)) == (
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:root is not authorized to perform: "
            f"kms:GetKeyLastUsage on resource: {key_arn(key_id)} because no resource-based "
            "policy allows the kms:GetKeyLastUsage action",
        )
