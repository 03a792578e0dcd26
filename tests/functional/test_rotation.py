"""Key rotation through boto3: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
automatic rotation as the clock moves, key states, AWS managed keys, and the old key
material that keeps decrypting."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, key_arn, requires_model
from freezegun import freeze_time
from helpers_rotation import (
    ROTATION_CALLS,
    T0,
    current_material,
    error,
    new_key,
    rotations,
    status,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock, mock_kms

UNKNOWN_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
_fixture_settings = settings(
    max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


# -- EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus --------------------------------


def test_a_new_key_does_not_rotate(client: BaseClient) -> None:
    key_id = new_key(client)
    assert status(client, key_id) == {"KeyId": key_arn(key_id), "KeyRotationEnabled": False}
    assert rotations(client, key_id) == []


def test_enable_key_rotation_defaults_to_a_year(client: BaseClient) -> None:
    with freeze_time(T0):
        key_id = new_key(client)
        response = client.enable_key_rotation(KeyId=key_id)
        assert set(response) == {"ResponseMetadata"}
        assert status(client, key_arn(key_id)) == {
            "KeyId": key_arn(key_id),
            "KeyRotationEnabled": True,
            "RotationPeriodInDays": 365,
            "NextRotationDate": T0 + timedelta(days=365),
        }


@_fixture_settings
@given(period=st.integers(min_value=90, max_value=2560))
def test_enable_key_rotation_with_a_period(client: BaseClient, period: int) -> None:
    with freeze_time(T0):
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=period)
        assert status(client, key_id) == {
            "KeyId": key_arn(key_id),
            "KeyRotationEnabled": True,
            "RotationPeriodInDays": period,
            "NextRotationDate": T0 + timedelta(days=period),
        }


@_fixture_settings
@given(
    period=st.one_of(
        st.integers(max_value=89, min_value=-(2**31)),
        st.integers(min_value=2561, max_value=2**31 - 1),
    )
)
def test_enable_key_rotation_period_out_of_range(raw_client: BaseClient, period: int) -> None:
    key_id = new_key(raw_client)
    bound = "greater than or equal to 90" if period < 90 else "less than or equal to 2560"
    assert error(raw_client.enable_key_rotation, KeyId=key_id, RotationPeriodInDays=period) == (
        "ValidationException",
        f"1 validation error detected: Value '{period}' at 'rotationPeriodInDays' failed to "
        f"satisfy constraint: Member must have value {bound}",
    )
    assert status(raw_client, key_id)["KeyRotationEnabled"] is False


def test_enabling_again_with_the_same_period_keeps_the_schedule(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=180)
        clock.tick(timedelta(days=30))
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=180)
        assert status(client, key_id)["NextRotationDate"] == T0 + timedelta(days=180)


def test_enabling_again_with_another_period_counts_it_from_then(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=180)
        clock.tick(timedelta(days=30))
        client.enable_key_rotation(KeyId=key_id)  # the default, 365, is a new period
        assert status(client, key_id) == {
            "KeyId": key_arn(key_id),
            "KeyRotationEnabled": True,
            "RotationPeriodInDays": 365,
            "NextRotationDate": T0 + timedelta(days=30 + 365),
        }
        clock.tick(timedelta(days=200))  # past the old date: nothing happens
        assert rotations(client, key_id) == []


def test_disable_key_rotation_forgets_the_schedule(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.tick(timedelta(days=10))
        response = client.disable_key_rotation(KeyId=key_arn(key_id))
        assert set(response) == {"ResponseMetadata"}
        assert status(client, key_id) == {"KeyId": key_arn(key_id), "KeyRotationEnabled": False}
        clock.tick(timedelta(days=1000))
        assert rotations(client, key_id) == []
        client.disable_key_rotation(KeyId=key_id)  # disabling twice is fine
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        assert status(client, key_id)["NextRotationDate"] == T0 + timedelta(days=1010 + 90)


@pytest.mark.parametrize("method", ROTATION_CALLS)
def test_rotation_operations_take_no_alias(client: BaseClient, method: str) -> None:
    key_id = new_key(client)
    client.create_alias(AliasName="alias/r", TargetKeyId=key_id)
    for name in ("alias/r", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/r"):
        assert error(getattr(client, method), KeyId=name) == (
            "InvalidArnException",
            "Key Aliases are not supported for this operation.",
        )


@pytest.mark.parametrize("method", ROTATION_CALLS)
def test_rotation_operations_on_an_unknown_key(client: BaseClient, method: str) -> None:
    call = getattr(client, method)
    assert error(call, KeyId=UNKNOWN_ID) == (
        "NotFoundException",
        f"Key '{key_arn(UNKNOWN_ID)}' does not exist",
    )
    assert error(call, KeyId="not-a-key") == (
        "NotFoundException",
        "Invalid keyId 'not-a-key'",
    )


@pytest.mark.parametrize(
    ("operation", "method"),
    [
        ("EnableKeyRotation", "enable_key_rotation"),
        ("GetKeyRotationStatus", "get_key_rotation_status"),
        ("RotateKeyOnDemand", "rotate_key_on_demand"),
        ("ListKeyRotations", "list_key_rotations"),
    ],
)
def test_rotation_of_a_key_in_another_account_is_refused(
    client: BaseClient, operation: str, method: str
) -> None:
    theirs = new_key(client)
    with mock_kms(account_id="111122223333"):
        other = boto3.client("kms", region_name=REGION)
        assert error(getattr(other, method), KeyId=key_arn(theirs)) == (
            "AccessDeniedException",
            f"User: arn:aws:iam::111122223333:root is not authorized to perform: "
            f"kms:{operation} on resource: {key_arn(theirs)} because no resource-based policy "
            f"allows the kms:{operation} action",
        )
    assert status(client, theirs)["KeyRotationEnabled"] is False


# -- automatic rotation -----------------------------------------------------------------------


@requires_model("KeyMetadata.CurrentKeyMaterialId", "RotationsListEntry.KeyMaterialId")
def test_automatic_rotation_happens_when_the_date_comes(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        first = current_material(client, key_id)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.move_to(T0 + timedelta(days=90) - timedelta(milliseconds=1))
        assert current_material(client, key_id) == first
        assert rotations(client, key_id) == []
        clock.move_to(T0 + timedelta(days=90))
        second = current_material(client, key_id)
        assert second != first
        assert rotations(client, key_id) == [
            {
                "KeyId": key_id,
                "KeyMaterialId": second,
                "KeyMaterialState": "CURRENT",
                "RotationDate": T0 + timedelta(days=90),
                "RotationType": "AUTOMATIC",
            }
        ]
        assert status(client, key_id)["NextRotationDate"] == T0 + timedelta(days=180)


@requires_model("KeyMetadata.CurrentKeyMaterialId", "RotationsListEntry.KeyMaterialId")
def test_every_missed_rotation_is_recorded_at_its_own_date(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=100)
        clock.tick(timedelta(days=5 * 365))  # one jump over 18 periods
        entries = rotations(client, key_id)
        assert [e["RotationDate"] for e in entries] == [
            T0 + timedelta(days=100 * n) for n in range(1, 19)
        ]
        assert {e["RotationType"] for e in entries} == {"AUTOMATIC"}
        assert [e["KeyMaterialState"] for e in entries] == ["NON_CURRENT"] * 17 + ["CURRENT"]
        assert len({e["KeyMaterialId"] for e in entries}) == 18
        assert entries[-1]["KeyMaterialId"] == current_material(client, key_id)
        assert status(client, key_id)["NextRotationDate"] == T0 + timedelta(days=1900)


@requires_model("KeyMetadata.CurrentKeyMaterialId", "RotationsListEntry.KeyMaterialId")
def test_every_earlier_material_still_decrypts_and_reencrypt_moves_to_the_current(
    client: BaseClient,
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        made: list[tuple[bytes, bytes, str]] = []
        for year in range(6):
            plaintext = f"written in year {year}".encode()
            response = client.encrypt(KeyId=key_id, Plaintext=plaintext)
            made.append((response["CiphertextBlob"], plaintext, current_material(client, key_id)))
            data_key = client.generate_data_key(KeyId=key_id, KeySpec="AES_256")
            assert data_key["KeyMaterialId"] == current_material(client, key_id)
            clock.tick(timedelta(days=365))
        assert len({material for _, _, material in made}) == 6
        current = current_material(client, key_id)
        for blob, plaintext, material in made:
            decrypted = client.decrypt(CiphertextBlob=blob)
            assert (decrypted["Plaintext"], decrypted["KeyMaterialId"]) == (plaintext, material)
            moved = client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key_id)
            assert moved["SourceKeyMaterialId"] == material
            assert moved["DestinationKeyMaterialId"] == current
            again = client.decrypt(CiphertextBlob=moved["CiphertextBlob"])
            assert (again["Plaintext"], again["KeyMaterialId"]) == (plaintext, current)


def test_rotation_keeps_the_key_id_policy_aliases_and_tags(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = client.create_key(Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyMetadata"][
            "KeyId"
        ]
        client.create_alias(AliasName="alias/rotating", TargetKeyId=key_id)
        policy = client.get_key_policy(KeyId=key_id)["Policy"]
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.tick(timedelta(days=400))
        assert len(rotations(client, key_id)) == 4
        meta = client.describe_key(KeyId="alias/rotating")["KeyMetadata"]
        assert (meta["KeyId"], meta["Arn"], meta["KeyState"]) == (
            key_id,
            key_arn(key_id),
            "Enabled",
        )
        assert client.get_key_policy(KeyId=key_id)["Policy"] == policy
        assert client.list_resource_tags(KeyId=key_id)["Tags"] == [
            {"TagKey": "team", "TagValue": "a"}
        ]


def test_only_keys_with_rotation_on_rotate(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        still, rotating = new_key(client), new_key(client)
        client.enable_key_rotation(KeyId=rotating, RotationPeriodInDays=90)
        clock.tick(timedelta(days=365))
        assert rotations(client, still) == []
        assert len(rotations(client, rotating)) == 4


# -- key states --------------------------------------------------------------------------------


def test_a_disabled_key_refuses_rotation_changes_but_keeps_its_status(client: BaseClient) -> None:
    with freeze_time(T0):
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        client.disable_key(KeyId=key_id)
        disabled = ("DisabledException", f"{key_arn(key_id)} is disabled.")
        assert error(client.enable_key_rotation, KeyId=key_id) == disabled
        assert error(client.disable_key_rotation, KeyId=key_id) == disabled
        assert error(client.rotate_key_on_demand, KeyId=key_id) == disabled
        assert status(client, key_id) == {
            "KeyId": key_arn(key_id),
            "KeyRotationEnabled": True,
            "RotationPeriodInDays": 90,
            "NextRotationDate": T0 + timedelta(days=90),
        }
        assert rotations(client, key_id) == []


def test_a_disabled_key_rotates_at_once_when_enabled_after_its_date(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.tick(timedelta(days=10))
        client.disable_key(KeyId=key_id)
        clock.tick(timedelta(days=500))
        assert rotations(client, key_id) == []  # no rotation while disabled
        client.enable_key(KeyId=key_id)
        enabled_at = T0 + timedelta(days=510)
        assert [(e["RotationType"], e["RotationDate"]) for e in rotations(client, key_id)] == [
            ("AUTOMATIC", enabled_at)
        ]
        assert status(client, key_id)["NextRotationDate"] == enabled_at + timedelta(days=90)


def test_a_disabled_key_keeps_its_schedule_when_enabled_before_its_date(
    client: BaseClient,
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        client.disable_key(KeyId=key_id)
        clock.tick(timedelta(days=60))
        client.enable_key(KeyId=key_id)
        assert rotations(client, key_id) == []
        assert status(client, key_id)["NextRotationDate"] == T0 + timedelta(days=90)
        clock.tick(timedelta(days=30))
        assert [e["RotationDate"] for e in rotations(client, key_id)] == [T0 + timedelta(days=90)]


def test_a_key_pending_deletion_reads_false_and_resumes_after_cancel(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.tick(timedelta(days=80))
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
        assert status(client, key_id) == {"KeyId": key_arn(key_id), "KeyRotationEnabled": False}
        pending = ("KMSInvalidStateException", f"{key_arn(key_id)} is pending deletion.")
        assert error(client.enable_key_rotation, KeyId=key_id) == pending
        assert error(client.disable_key_rotation, KeyId=key_id) == pending
        assert error(client.rotate_key_on_demand, KeyId=key_id) == pending
        clock.tick(timedelta(days=20))  # past the rotation date, before the deletion date
        client.cancel_key_deletion(KeyId=key_id)
        # Disabled now: the original status is back, and the key has not rotated.
        assert status(client, key_id) == {
            "KeyId": key_arn(key_id),
            "KeyRotationEnabled": True,
            "RotationPeriodInDays": 90,
            "NextRotationDate": T0 + timedelta(days=90),
        }
        assert rotations(client, key_id) == []
        client.enable_key(KeyId=key_id)
        assert [e["RotationDate"] for e in rotations(client, key_id)] == [T0 + timedelta(days=100)]


def test_list_key_rotations_works_in_every_state(client: BaseClient) -> None:
    key_id = new_key(client)
    client.rotate_key_on_demand(KeyId=key_id)
    client.disable_key(KeyId=key_id)
    assert len(rotations(client, key_id)) == 1
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert len(rotations(client, key_id)) == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"key_spec": "RSA_2048"}, ""),
        ({"key_spec": "HMAC_256"}, ""),
        (
            {"origin": "AWS_CLOUDHSM"},
            "{arn} origin is AWS_CLOUDHSM which is not valid for this operation.",
        ),
    ],
)
@pytest.mark.parametrize("method", ROTATION_CALLS)
def test_keys_that_cannot_rotate(
    client: BaseClient,
    kms: KmsMock,
    change: dict[str, str],
    expected: str,
    method: str,
) -> None:
    # The key is changed in place to stand for the kinds of key AWS refuses to rotate.
    key_id = new_key(client)
    key = kms.world.regions[(ACCOUNT, REGION)].keys[key_id]
    for name, value in change.items():
        setattr(key, name, value)
    assert error(getattr(client, method), KeyId=key_id) == (
        "UnsupportedOperationException",
        expected.format(arn=key_arn(key_id)),
    )


def test_the_key_state_is_checked_before_the_key_spec(client: BaseClient, kms: KmsMock) -> None:
    # Recorded from AWS: RotateKeyOnDemand of a disabled RSA key answers DisabledException.
    key_id = new_key(client)
    kms.world.regions[(ACCOUNT, REGION)].keys[key_id].key_spec = "RSA_4096"
    client.disable_key(KeyId=key_id)
    assert error(client.rotate_key_on_demand, KeyId=key_id) == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )


# -- AWS managed keys ---------------------------------------------------------------------------


def test_aws_managed_keys_rotate_every_year(client: BaseClient, kms: KmsMock) -> None:
    # Only S3 may use the aws/s3 key (its policy's kms:ViaService condition).
    s3 = boto3.client(
        "kms",
        region_name=REGION,
        **kms.credentials(f"arn:aws:iam::{ACCOUNT}:root", via_service="s3.us-east-1.amazonaws.com"),
    )
    with freeze_time(T0) as clock:
        key_id = client.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"]
        assert status(client, key_id) == {
            "KeyId": key_arn(key_id),
            "KeyRotationEnabled": True,
            "RotationPeriodInDays": 365,
            "NextRotationDate": T0 + timedelta(days=365),
        }
        blob = s3.encrypt(KeyId="alias/aws/s3", Plaintext=b"old")["CiphertextBlob"]
        clock.tick(timedelta(days=3 * 365))
        assert [e["RotationDate"] for e in rotations(client, key_id)] == [
            T0 + timedelta(days=365 * n) for n in (1, 2, 3)
        ]
        assert s3.decrypt(CiphertextBlob=blob)["Plaintext"] == b"old"


@pytest.mark.parametrize(
    ("operation", "method"),
    [
        ("EnableKeyRotation", "enable_key_rotation"),
        ("DisableKeyRotation", "disable_key_rotation"),
        ("RotateKeyOnDemand", "rotate_key_on_demand"),
    ],
)
def test_aws_managed_keys_rotation_cannot_be_changed(
    client: BaseClient, operation: str, method: str
) -> None:
    key_id = client.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["KeyId"]
    assert error(getattr(client, method), KeyId=key_id) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:{operation} on "
        f"resource: {key_arn(key_id)} because no resource-based policy allows the "
        f"kms:{operation} action",
    )
    assert status(client, key_id)["KeyRotationEnabled"] is True
    assert rotations(client, key_id) == []
