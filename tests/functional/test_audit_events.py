"""Audit events: every request the mock serves, as CloudTrail records (kmsmock/backend/audit.py)."""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, error_of, fails, key_arn, model_has, new_key, requires_model
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock, mock_kms
from kmsmock.errors import KmsMockUsageError

ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/billing"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
PLAINTEXT = b"the secret plaintext, never logged"
CONTEXT = {"Department": "Engineering"}


def _encrypted(client: BaseClient) -> tuple[str, bytes]:
    key_id = new_key(client)["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=PLAINTEXT, EncryptionContext=CONTEXT)
    return key_id, blob["CiphertextBlob"]


def test_an_encrypt_by_the_root_is_recorded(kms: KmsMock, client: BaseClient) -> None:
    key_id, _ = _encrypted(client)
    [event] = kms.events.filter(operation="Encrypt")
    assert event.outcome == "allowed"
    record = event.record()
    assert record["userIdentity"] == {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": ROOT,
        "accountId": ACCOUNT,
    }
    assert record["eventSource"] == "kms.amazonaws.com"
    assert record["eventName"] == "Encrypt"
    assert record["awsRegion"] == REGION
    assert record["eventType"] == "AwsApiCall"
    assert record["readOnly"] is True
    assert record["managementEvent"] is True
    assert record["recipientAccountId"] == ACCOUNT
    assert record["requestParameters"] == {
        "keyId": key_id,
        "encryptionContext": CONTEXT,
        "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }
    assert record["responseElements"] is None
    assert record["resources"] == [
        {"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key_arn(key_id)}
    ]
    assert "errorCode" not in record
    assert len(record["eventID"]) == 36 and record["eventID"][14] == "4"
    assert record["eventID"] == event.record()["eventID"]  # stable


def test_a_denied_decrypt_by_a_role_is_recorded(kms: KmsMock, client: BaseClient) -> None:
    key_id, blob = _encrypted(client)
    role = boto3.client("kms", region_name=REGION, **kms.credentials(ROLE, session_name="billing"))
    with pytest.raises(role.exceptions.ClientError) as excinfo:
        role.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)
    code, message = error_of(excinfo)
    assert code == "AccessDeniedException"
    [event] = kms.events.filter(outcome="denied")
    assert event.operation == "Decrypt"
    record = event.record()
    assert (record["errorCode"], record["errorMessage"]) == (code, message)
    identity = record["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["arn"] == SESSION
    assert identity["accountId"] == ACCOUNT
    assert identity["principalId"].endswith(":billing")
    issuer = identity["sessionContext"]["sessionIssuer"]
    assert (issuer["type"], issuer["arn"], issuer["userName"]) == ("Role", ROLE, "app")
    assert issuer["principalId"] == identity["principalId"].split(":")[0]
    assert record["resources"] == [
        {"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key_arn(key_id)}
    ]
    # Decrypt's algorithm is logged even when the request leaves it out.
    assert record["requestParameters"] == {
        "encryptionContext": CONTEXT,
        "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }


def test_via_service_calls_name_the_service(kms: KmsMock, client: BaseClient) -> None:
    role = boto3.client(
        "kms",
        region_name=REGION,
        **kms.credentials(
            f"arn:aws:iam::{ACCOUNT}:user/alice", via_service="lambda.us-east-1.amazonaws.com"
        ),
    )
    fails(role.list_keys)
    [event] = kms.events.filter(principal=f"arn:aws:iam::{ACCOUNT}:user/alice")
    identity = event.record()["userIdentity"]
    assert identity["type"] == "IAMUser"
    assert identity["userName"] == "alice"
    assert identity["invokedBy"] == "lambda.amazonaws.com"


def test_no_secret_bytes_appear_in_the_records(kms: KmsMock, client: BaseClient) -> None:
    key_id, blob = _encrypted(client)
    client.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)
    data_key = client.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    mac_key = new_key(client, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
    mac = client.generate_mac(KeyId=mac_key, Message=PLAINTEXT, MacAlgorithm="HMAC_SHA_256")
    text = json.dumps(kms.events.to_cloudtrail())
    secrets = [PLAINTEXT, blob, data_key["Plaintext"], data_key["CiphertextBlob"], mac["Mac"]]
    for secret in secrets:
        assert base64.b64encode(secret).decode() not in text
        assert secret.hex() not in text
    assert "Plaintext" not in text and "plaintext" not in text
    assert "ciphertextBlob" not in text


@requires_model("KeyMetadata.CurrentKeyMaterialId", "DecryptResponse.KeyMaterialId")
def test_the_key_material_used_is_logged_where_the_response_names_it(
    kms: KmsMock, client: BaseClient
) -> None:
    key_id, blob = _encrypted(client)
    decrypted = client.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)
    data_key = client.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    material = client.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    assert decrypted["KeyMaterialId"] == data_key["KeyMaterialId"] == material
    records = {r["eventName"]: r for r in kms.events.to_cloudtrail()["Records"]}
    for name in ("Decrypt", "GenerateDataKey"):
        assert records[name]["additionalEventData"] == {"keyMaterialId": material}
    assert "additionalEventData" not in records["DescribeKey"]


def test_read_only_events_log_no_response_and_changes_log_theirs(
    kms: KmsMock, client: BaseClient
) -> None:
    # AWS's CloudTrail examples for DescribeKey, GetKeyPolicy and ListKeyRotations show
    # "responseElements": null; CreateKey's shows the new key's metadata.
    key_id = new_key(client, Description="logged")["KeyId"]
    client.describe_key(KeyId=key_id)
    client.list_keys()
    client.get_key_policy(KeyId=key_id)
    records = {r["eventName"]: r for r in kms.events.to_cloudtrail()["Records"]}
    for name in ("DescribeKey", "ListKeys", "GetKeyPolicy"):
        assert records[name]["readOnly"] is True
        assert records[name]["responseElements"] is None
    created = records["CreateKey"]
    assert created["readOnly"] is False
    assert created["responseElements"]["keyMetadata"]["keyId"] == key_id
    assert created["responseElements"]["keyMetadata"]["description"] == "logged"


def test_an_invalid_request_is_recorded(kms: KmsMock, raw_client: BaseClient) -> None:
    code, message = fails(raw_client.create_key, KeySpec="NOT_A_SPEC")
    assert code == "ValidationException"
    [event] = kms.events
    assert (event.operation, event.outcome, event.params) == ("CreateKey", "failed", None)
    record = event.record()
    assert (record["errorCode"], record["errorMessage"]) == (code, message)
    assert record["requestParameters"] is None
    assert "resources" not in record


def test_a_failed_request_is_recorded(kms: KmsMock, client: BaseClient) -> None:
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    code, message = fails(client.describe_key, KeyId=missing)
    [event] = kms.events.filter(outcome="failed")
    assert (
        (event.error_code, event.error_message)
        == (code, message)
        == (
            "NotFoundException",
            f"Key '{key_arn(missing)}' does not exist",
        )
    )


def test_background_rotation_is_recorded_at_its_due_time(kms: KmsMock, client: BaseClient) -> None:
    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with freeze_time(start) as clock:
        key_id = new_key(client)["KeyId"]
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.move_to(start + timedelta(days=200))
        client.describe_key(KeyId=key_id)  # settles two rotations, each at its own instant
    rotations = kms.events.filter(operation="RotateKey")
    assert [event.time for event in rotations] == [
        start + timedelta(days=90),
        start + timedelta(days=180),
    ]
    record = rotations[0].record()
    assert record["eventType"] == "AwsServiceEvent"
    assert record["eventTime"] == "2030-04-01T00:00:00Z"
    assert record["userIdentity"] == {"accountId": ACCOUNT, "invokedBy": "AWS Internal"}
    assert record["readOnly"] is False
    assert record["requestParameters"] is None
    assert record["serviceEventDetails"]["rotationType"] == "AUTOMATIC"
    assert record["serviceEventDetails"]["keyId"] == key_id
    listed = client.list_key_rotations(KeyId=key_id)["Rotations"]
    if model_has("RotationsListEntry.KeyMaterialId"):  # not in botocore 1.35's model
        assert record["serviceEventDetails"]["currentKeyMaterialId"] == listed[0]["KeyMaterialId"]
    # The background events come before the request that settled them.
    names = [event.operation for event in kms.events]
    assert names[-4:] == ["RotateKey", "RotateKey", "DescribeKey", "ListKeyRotations"]


def test_background_deletion_is_recorded(kms: KmsMock, client: BaseClient) -> None:
    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with freeze_time(start) as clock:
        key_id = new_key(client)["KeyId"]
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.move_to(start + timedelta(days=30))
        client.list_keys()
    [event] = kms.events.filter(operation="DeleteKey", key=key_id)
    assert event.time == start + timedelta(days=7)
    assert event.caller is None and event.outcome == "allowed"


def test_the_bound_holds(kms: KmsMock, client: BaseClient) -> None:
    for _ in range(5):
        client.list_keys()
    # A lower bound keeps the latest events up to it.
    kms.configure(audit_events_kept=4)
    assert [event.operation for event in kms.events] == ["ListKeys"] * 4
    kms.configure(audit_events_kept=3)
    client.list_aliases()
    assert [event.operation for event in kms.events] == ["ListKeys", "ListKeys", "ListAliases"]
    assert kms.settings.audit_events_kept == 3


def test_the_bound_is_a_setting_of_the_mock() -> None:
    with mock_kms(settings={"audit_events_kept": 2}) as kms:
        client = boto3.client("kms", region_name="us-east-1")
        client.list_keys()
        client.list_aliases()
        client.describe_key(KeyId="alias/aws/s3")
        assert [event.operation for event in kms.events] == ["ListAliases", "DescribeKey"]


def test_no_events_are_kept_with_a_bound_of_zero() -> None:
    with mock_kms() as kms:
        client = boto3.client("kms", region_name="us-east-1")
        client.list_keys()
        kms.configure(audit_events_kept=0)
        client.list_keys()
        assert list(kms.events) == []
        # A snapshot keeps the bound, and the events.
        kms.configure(audit_events_kept=1)
        client.list_aliases()
        snapshot = kms.snapshot()
    with mock_kms(snapshot=snapshot) as copy:
        client.list_keys()
        assert copy.settings.audit_events_kept == 1
        assert [event.operation for event in copy.events] == ["ListKeys"]
    with mock_kms(snapshot=snapshot) as copy:
        assert [event.operation for event in copy.events] == ["ListAliases"]


def test_the_default_bound() -> None:
    with mock_kms() as kms:
        assert kms.settings.audit_events_kept == 1_000


def test_filter_by_each_criterion(kms: KmsMock, client: BaseClient) -> None:
    key_id, blob = _encrypted(client)
    other = new_key(client)["KeyId"]
    client.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)
    role = boto3.client("kms", region_name=REGION, **kms.credentials(ROLE))
    fails(role.decrypt, CiphertextBlob=blob)
    fails(client.decrypt, CiphertextBlob=blob)  # wrong context: InvalidCiphertextException
    assert len(kms.events.filter(operation="Decrypt")) == 3
    assert [e.operation for e in kms.events.filter(key=key_id)] == [
        "CreateKey",
        "Encrypt",
        "Decrypt",
        "Decrypt",  # denied, after the key was resolved
        "Decrypt",  # failed, after the key was resolved
    ]
    assert kms.events.filter(key=key_arn(key_id)) == kms.events.filter(key=key_id)
    assert [e.operation for e in kms.events.filter(key=other)] == ["CreateKey"]
    assert len(kms.events.filter(principal=ROLE)) == 1  # the role matches its sessions
    assert len(kms.events.filter(principal=ROOT)) == 5
    assert len(kms.events.filter(outcome="denied")) == 1
    assert [e.error_code for e in kms.events.filter(outcome="failed")] == [
        "InvalidCiphertextException"
    ]
    assert len(kms.events.filter(outcome="allowed")) == 4
    assert kms.events.filter(operation="Decrypt", principal=ROOT, outcome="allowed", key=key_id)
    with pytest.raises(KmsMockUsageError, match="outcome must be"):
        kms.events.filter(outcome="ok")  # type: ignore[arg-type]


@settings(max_examples=30)
@given(context=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=3))
def test_to_cloudtrail_round_trips_through_json(context: dict[str, str]) -> None:
    with mock_kms() as kms:
        client = boto3.client("kms", region_name=REGION)
        key_id = new_key(client)["KeyId"]
        with contextlib.suppress(client.exceptions.ClientError):
            client.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=context)
        trail = kms.events.to_cloudtrail()
        assert json.loads(json.dumps(trail)) == trail
        assert [r["eventName"] for r in trail["Records"]] == ["CreateKey", "Encrypt"]
        encrypt = trail["Records"][1]
        if "errorCode" not in encrypt:
            assert encrypt["requestParameters"]["encryptionContext"] == context


def test_snapshots_carry_their_events() -> None:
    with mock_kms() as kms:
        boto3.client("kms", region_name=REGION).list_keys()
        snapshot = kms.snapshot()
    with mock_kms(snapshot=snapshot) as copy:
        assert [e.operation for e in copy.events] == ["ListKeys"]
