"""ListKeyRotations of keys with imported key material (Origin EXTERNAL): their entries say
whether the material is imported, how it expires and its description, and ALL_KEY_MATERIAL
lists material imported for the next on-demand rotation as PENDING_ROTATION."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.client import BaseClient
from conftest import fails
from helpers_import_key_material import do_import, external

from kmsmock.aws.service_model import operation_model

pytestmark = pytest.mark.skipif(
    "ImportType" not in operation_model("ImportKeyMaterial").input_shape.members
    or "IncludeKeyMaterial" not in operation_model("ListKeyRotations").input_shape.members,
    reason="this botocore's model has no ImportType or IncludeKeyMaterial (botocore 1.38 on)",
)

FIRST = bytes(range(32))
SECOND = bytes(range(32, 64))


def test_entries_of_imported_material(client: BaseClient) -> None:
    key_id = external(client)
    first = do_import(client, key_id, FIRST, KeyMaterialDescription="v1")["KeyMaterialId"]
    assert client.list_key_rotations(KeyId=key_id)["Rotations"] == []
    assert client.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")[
        "Rotations"
    ] == [
        {
            "KeyId": key_id,
            "KeyMaterialId": first,
            "KeyMaterialDescription": "v1",
            "ImportState": "IMPORTED",
            "KeyMaterialState": "CURRENT",
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }
    ]


def test_expiring_material_shows_its_valid_to(client: BaseClient) -> None:
    key_id = external(client)
    valid_to = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
    do_import(client, key_id, FIRST, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
    (entry,) = client.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")[
        "Rotations"
    ]
    assert entry["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert entry["ValidTo"] == valid_to


def test_material_pending_rotation_then_rotated(client: BaseClient) -> None:
    key_id = external(client)
    first = do_import(client, key_id, FIRST)["KeyMaterialId"]
    second = do_import(client, key_id, SECOND, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    everything = client.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    assert [
        (e["KeyMaterialId"], e["KeyMaterialState"], e["ImportState"])
        for e in everything["Rotations"]
    ] == [(first, "CURRENT", "IMPORTED"), (second, "PENDING_ROTATION", "IMPORTED")]
    assert "RotationDate" not in everything["Rotations"][1]
    # ROTATIONS_ONLY (the default) lists completed rotations only.
    assert client.list_key_rotations(KeyId=key_id)["Rotations"] == []
    client.rotate_key_on_demand(KeyId=key_id)
    (rotated,) = client.list_key_rotations(KeyId=key_id)["Rotations"]
    assert (rotated["KeyMaterialId"], rotated["KeyMaterialState"]) == (second, "CURRENT")
    assert rotated["RotationType"] == "ON_DEMAND"


def test_deleted_material_is_pending_import(client: BaseClient) -> None:
    key_id = external(client)
    do_import(client, key_id, FIRST)
    client.delete_imported_key_material(KeyId=key_id)
    (entry,) = client.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")[
        "Rotations"
    ]
    assert entry["ImportState"] == "PENDING_IMPORT"
    assert "ExpirationModel" not in entry


def test_a_key_never_imported_lists_nothing(client: BaseClient) -> None:
    key_id = external(client)
    answer = client.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    assert answer["Rotations"] == [] and answer["Truncated"] is False


def test_asymmetric_imported_keys_are_still_refused(client: BaseClient) -> None:
    key_id = external(client, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    assert fails(client.list_key_rotations, KeyId=key_id) == (
        "UnsupportedOperationException",
        "",
    )
