"""On-demand key rotation and its record: RotateKeyOnDemand and its limit, and ListKeyRotations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import key_arn, requires_model
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

from kmsmock import KmsMock, Limits, Settings, mock_kms

# -- RotateKeyOnDemand --------------------------------------------------------------------------


@requires_model("ListKeyRotations.IncludeKeyMaterial", "KeyMetadata.CurrentKeyMaterialId")
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
    kms.configure(limits={"on_demand_rotations_per_key": 1})
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
    kms.configure(limits={"on_demand_rotations_per_key": 10})  # as AWS had it at launch
    key_id = new_key(client)
    for _ in range(10):
        client.rotate_key_on_demand(KeyId=key_id)
    assert error(client.rotate_key_on_demand, KeyId=key_id) == _limit_error(key_id)


def test_the_limit_can_be_given_to_the_mock() -> None:
    assert Limits().on_demand_rotations_per_key == 25
    with mock_kms(settings=Settings(limits=Limits(on_demand_rotations_per_key=2))):
        client = boto3.client("kms", region_name="us-east-1")
        _rotate_twice_then_refused(client)


def _rotate_twice_then_refused(client: BaseClient) -> None:
    key_id = new_key(client)
    client.rotate_key_on_demand(KeyId=key_id)
    client.rotate_key_on_demand(KeyId=key_id)
    assert error(client.rotate_key_on_demand, KeyId=key_id) == _limit_error(key_id)


# -- ListKeyRotations -----------------------------------------------------------------------------


def test_list_key_rotations_of_a_key_never_rotated(client: BaseClient) -> None:
    key_id = new_key(client)
    response = client.list_key_rotations(KeyId=key_id)
    response.pop("ResponseMetadata")
    assert response == {"Rotations": [], "Truncated": False}


@requires_model("ListKeyRotations.IncludeKeyMaterial", "KeyMetadata.CurrentKeyMaterialId")
def test_list_key_rotations_of_a_key_never_rotated_with_its_key_material(
    client: BaseClient,
) -> None:
    key_id = new_key(client)
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


@pytest.mark.parametrize(
    "include",
    [
        None,  # the default, ROTATIONS_ONLY: the only listing botocore 1.35's model has
        *(
            pytest.param(value, marks=requires_model("ListKeyRotations.IncludeKeyMaterial"))
            for value in ("ROTATIONS_ONLY", "ALL_KEY_MATERIAL")
        ),
    ],
)
def test_list_key_rotations_pages(client: BaseClient, include: str | None) -> None:
    key_id = new_key(client)
    for _ in range(5):
        client.rotate_key_on_demand(KeyId=key_id)
    listing = {} if include is None else {"IncludeKeyMaterial": include}
    everything = rotations(client, key_id, **listing)
    assert len(everything) == (6 if include == "ALL_KEY_MATERIAL" else 5)
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"Limit": 2, **listing}
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
    assert client.list_key_rotations(KeyId=key_id, **listing)["Truncated"] is False


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


@requires_model("ListKeyRotations.IncludeKeyMaterial")
def test_list_key_rotations_include_key_material_must_be_known(raw_client: BaseClient) -> None:
    key_id = new_key(raw_client)
    assert error(raw_client.list_key_rotations, KeyId=key_id, IncludeKeyMaterial="SOME") == (
        "ValidationException",
        "1 validation error detected: Value 'SOME' at 'includeKeyMaterial' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]",
    )


@pytest.mark.parametrize(
    "method", [call for call in ROTATION_CALLS if call != "list_key_rotations"]
)  # ListKeyRotations lists them (test_rotation_imported_listing.py)
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
