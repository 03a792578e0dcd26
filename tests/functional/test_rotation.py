"""Key rotation through boto3: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
RotateKeyOnDemand, ListKeyRotations, automatic rotation as the clock moves, and the old key
material that keeps decrypting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, error_of, key_arn
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock, mock_kms
from kmsmock.backend.ops import rotation

T0 = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
UNKNOWN_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
_fixture_settings = settings(
    max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


def new_key(client: BaseClient) -> str:
    key_id: str = client.create_key()["KeyMetadata"]["KeyId"]
    return key_id


def status(client: BaseClient, key_id: str) -> dict[str, Any]:
    response: dict[str, Any] = client.get_key_rotation_status(KeyId=key_id)
    response.pop("ResponseMetadata")
    return response


def rotations(client: BaseClient, key_id: str, **kwargs: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.list_key_rotations(KeyId=key_id, Limit=1000, **kwargs)[
        "Rotations"
    ]
    return entries


def current_material(client: BaseClient, key_id: str) -> str:
    material: str = client.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    return material


def error(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    return error_of(excinfo)


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


ROTATION_CALLS = [
    "enable_key_rotation",
    "disable_key_rotation",
    "get_key_rotation_status",
    "rotate_key_on_demand",
    "list_key_rotations",
]


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


# -- RotateKeyOnDemand --------------------------------------------------------------------------


def test_rotate_key_on_demand_completes_at_once(client: BaseClient) -> None:
    with freeze_time(T0):
        key_id = new_key(client)
        first = current_material(client, key_id)
        blob = client.encrypt(KeyId=key_id, Plaintext=b"before")["CiphertextBlob"]
        response = client.rotate_key_on_demand(KeyId=key_id)
        response.pop("ResponseMetadata")
        assert response == {"KeyId": key_arn(key_id)}
        second = current_material(client, key_id)
        assert second != first
        # No rotation is left in progress, and automatic rotation stays off.
        assert status(client, key_id) == {"KeyId": key_arn(key_id), "KeyRotationEnabled": False}
        assert rotations(client, key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL") == [
            {"KeyId": key_id, "KeyMaterialId": first, "KeyMaterialState": "NON_CURRENT"},
            {
                "KeyId": key_id,
                "KeyMaterialId": second,
                "KeyMaterialState": "CURRENT",
                "RotationDate": T0,
                "RotationType": "ON_DEMAND",
            },
        ]
        assert client.decrypt(CiphertextBlob=blob)["KeyMaterialId"] == first
        assert client.encrypt(KeyId=key_id, Plaintext=b"after")["CiphertextBlob"] != blob


def test_on_demand_rotation_does_not_move_the_automatic_schedule(client: BaseClient) -> None:
    # The example of the RotateKeyOnDemand documentation: due April 14, rotated on April 10,
    # the key still rotates on April 14 and every period after.
    enabled = datetime(2023, 4, 15, tzinfo=timezone.utc)
    due = datetime(2024, 4, 14, tzinfo=timezone.utc)
    with freeze_time(enabled) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=365)
        assert status(client, key_id)["NextRotationDate"] == due
        clock.move_to(datetime(2024, 4, 10, tzinfo=timezone.utc))
        client.rotate_key_on_demand(KeyId=key_id)
        assert status(client, key_id)["NextRotationDate"] == due
        clock.move_to(datetime(2025, 6, 1, tzinfo=timezone.utc))
        assert [(e["RotationType"], e["RotationDate"]) for e in rotations(client, key_id)] == [
            ("ON_DEMAND", datetime(2024, 4, 10, tzinfo=timezone.utc)),
            ("AUTOMATIC", due),
            ("AUTOMATIC", due + timedelta(days=365)),
        ]
        assert status(client, key_id)["NextRotationDate"] == due + timedelta(days=730)


def _limit_error(key_id: str) -> tuple[str, str]:
    return (
        "LimitExceededException",
        "The on-demand rotations limit has been reached for the given keyId. No more on-demand "
        f"rotations can be performed for this key: {key_arn(key_id)}",
    )


def test_on_demand_rotations_are_limited_to_25_per_key(client: BaseClient) -> None:
    key_id, other = new_key(client), new_key(client)
    for _ in range(25):
        client.rotate_key_on_demand(KeyId=key_id)
    assert error(client.rotate_key_on_demand, KeyId=key_id) == _limit_error(key_id)
    assert len(rotations(client, key_id)) == 25
    client.rotate_key_on_demand(KeyId=other)  # the limit is per key


def test_automatic_rotations_do_not_count_toward_the_limit(
    client: BaseClient, kms: KmsMock
) -> None:
    kms.world.on_demand_rotation_limit = 1
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.tick(timedelta(days=365))
        client.rotate_key_on_demand(KeyId=key_id)
        assert error(client.rotate_key_on_demand, KeyId=key_id) == _limit_error(key_id)
        # Automatic rotation goes on after the limit is reached.
        clock.tick(timedelta(days=90))
        assert [e["RotationType"] for e in rotations(client, key_id)] == ["AUTOMATIC"] * 4 + [
            "ON_DEMAND",
            "AUTOMATIC",
        ]


def test_the_limit_can_be_set_per_mock(client: BaseClient, kms: KmsMock) -> None:
    kms.world.on_demand_rotation_limit = 10  # as AWS allowed when the feature launched
    key_id = new_key(client)
    for _ in range(10):
        client.rotate_key_on_demand(KeyId=key_id)
    assert error(client.rotate_key_on_demand, KeyId=key_id) == _limit_error(key_id)


def test_the_default_limit_is_a_module_setting(
    client: BaseClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert rotation.ON_DEMAND_LIMIT == 25
    monkeypatch.setattr(rotation, "ON_DEMAND_LIMIT", 2)
    key_id = new_key(client)
    client.rotate_key_on_demand(KeyId=key_id)
    client.rotate_key_on_demand(KeyId=key_id)
    assert error(client.rotate_key_on_demand, KeyId=key_id) == _limit_error(key_id)


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


# -- ListKeyRotations -----------------------------------------------------------------------------


def test_list_key_rotations_of_a_key_never_rotated(client: BaseClient) -> None:
    key_id = new_key(client)
    response = client.list_key_rotations(KeyId=key_id)
    response.pop("ResponseMetadata")
    assert response == {"Rotations": [], "Truncated": False}
    response = client.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    assert response["Rotations"] == [
        {
            "KeyId": key_id,
            "KeyMaterialId": current_material(client, key_id),
            "KeyMaterialState": "CURRENT",
        }
    ]
    explicit = client.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ROTATIONS_ONLY")
    assert explicit["Rotations"] == []


@pytest.mark.parametrize("include", ["ROTATIONS_ONLY", "ALL_KEY_MATERIAL"])
def test_list_key_rotations_pages(client: BaseClient, include: str) -> None:
    key_id = new_key(client)
    for _ in range(5):
        client.rotate_key_on_demand(KeyId=key_id)
    everything = rotations(client, key_id, IncludeKeyMaterial=include)
    assert len(everything) == (5 if include == "ROTATIONS_ONLY" else 6)
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"Limit": 2, "IncludeKeyMaterial": include}
    while True:
        response = client.list_key_rotations(KeyId=key_id, **params)
        assert len(response["Rotations"]) <= 2
        seen.extend(response["Rotations"])
        if not response["Truncated"]:
            assert "NextMarker" not in response
            break
        params["Marker"] = response["NextMarker"]
    assert seen == everything
    # The default page holds 100.
    assert client.list_key_rotations(KeyId=key_id, IncludeKeyMaterial=include)["Truncated"] is False


def test_list_key_rotations_with_an_invalid_marker(client: BaseClient) -> None:
    key_id = new_key(client)
    client.create_key()
    other_listing = client.list_keys(Limit=1)["NextMarker"]  # a marker of another listing
    for bad in ("not-a-marker", other_listing):
        assert error(client.list_key_rotations, KeyId=key_id, Marker=bad) == (
            "InvalidMarkerException",
            "Invalid marker",
        )


@pytest.mark.parametrize(
    ("limit", "bound"), [(0, "greater than or equal to 1"), (1001, "less than or equal to 1000")]
)
def test_list_key_rotations_limit_out_of_range(
    raw_client: BaseClient, limit: int, bound: str
) -> None:
    key_id = new_key(raw_client)
    assert error(raw_client.list_key_rotations, KeyId=key_id, Limit=limit) == (
        "ValidationException",
        f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
        f"Member must have value {bound}",
    )


def test_list_key_rotations_include_key_material_must_be_known(raw_client: BaseClient) -> None:
    key_id = new_key(raw_client)
    assert error(raw_client.list_key_rotations, KeyId=key_id, IncludeKeyMaterial="SOME") == (
        "ValidationException",
        "1 validation error detected: Value 'SOME' at 'includeKeyMaterial' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]",
    )


@pytest.mark.parametrize("method", ROTATION_CALLS)
def test_keys_with_imported_material_rotate_only_on_demand(client: BaseClient, method: str) -> None:
    key_id = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    expected = (
        "UnsupportedOperationException",
        f"{key_arn(key_id)} origin is EXTERNAL which is not valid for this operation.",
    )
    if method == "rotate_key_on_demand":
        # Rotating needs imported material; a key still waiting for its first import refuses.
        expected = ("KMSInvalidStateException", f"{key_arn(key_id)} is pending import.")
    assert error(getattr(client, method), KeyId=key_id) == expected
