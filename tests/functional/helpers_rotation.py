"""What the key rotation tests share: the start time, new keys, and reading rotation status,
rotations, current key material and errors."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import error_of

T0 = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def new_key(client: BaseClient) -> str:
    """CreateKey of a symmetric key; its key ID."""
    key_id: str = client.create_key()["KeyMetadata"]["KeyId"]
    return key_id


def status(client: BaseClient, key_id: str) -> dict[str, Any]:
    """GetKeyRotationStatus' answer for ``key_id``, without its ResponseMetadata."""
    response: dict[str, Any] = client.get_key_rotation_status(KeyId=key_id)
    response.pop("ResponseMetadata")
    return response


def rotations(client: BaseClient, key_id: str, **kwargs: Any) -> list[dict[str, Any]]:
    """ListKeyRotations' entries for ``key_id`` (one page of up to 1000)."""
    entries: list[dict[str, Any]] = client.list_key_rotations(KeyId=key_id, Limit=1000, **kwargs)[
        "Rotations"
    ]
    return entries


def current_material(client: BaseClient, key_id: str) -> str:
    """DescribeKey's CurrentKeyMaterialId of ``key_id``."""
    material: str = client.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    return material


def error(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    """(code, message) of the ClientError that ``call(*args, **kwargs)`` raises."""
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    return error_of(excinfo)


# Every rotation operation, as boto3 method names.
ROTATION_CALLS = [
    "enable_key_rotation",
    "disable_key_rotation",
    "get_key_rotation_status",
    "rotate_key_on_demand",
    "list_key_rotations",
]
