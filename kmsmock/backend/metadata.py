"""KeyMetadata as AWS returns it from CreateKey and DescribeKey."""

from __future__ import annotations

from typing import Any

from kmsmock.backend.state import Key


def key_metadata(key: Key) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "AWSAccountId": key.account,
        "KeyId": key.key_id,
        "Arn": key.arn,
        "CreationDate": key.created,
        "Enabled": key.state == "Enabled",
        "Description": key.description,
        "KeyUsage": key.key_usage,
        "KeyState": key.state,
        "DeletionDate": key.deletion_date,
        "Origin": key.origin,
        "KeyManager": key.key_manager,
        "CustomerMasterKeySpec": key.key_spec,
        "KeySpec": key.key_spec,
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": key.multi_region,
    }
    if key.key_spec == "SYMMETRIC_DEFAULT":
        meta["CurrentKeyMaterialId"] = key.current_material.material_id
    return meta
