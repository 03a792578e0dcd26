"""What the grant tests share: principals, key specs, and creating and listing grants."""

from __future__ import annotations

from typing import Any

from botocore.client import BaseClient
from conftest import ACCOUNT

ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/other"
RETIRER = f"arn:aws:iam::{ACCOUNT}:role/retirer"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
UNKNOWN_GRANT = "0" * 64
SIGNER = {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}
HMAC = {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}
RSA = {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}
AGREEMENT = {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"}


def make_grant(client: BaseClient, key_id: str, **extra: Any) -> dict[str, Any]:
    """CreateGrant of Decrypt to ROLE on ``key_id``, with ``extra`` request members."""
    request: dict[str, Any] = {"KeyId": key_id, "GranteePrincipal": ROLE, "Operations": ["Decrypt"]}
    request.update(extra)
    response: dict[str, Any] = client.create_grant(**request)
    return response


def grants_of(client: BaseClient, key_id: str, **extra: Any) -> list[dict[str, Any]]:
    """ListGrants' entries for ``key_id``."""
    grants: list[dict[str, Any]] = client.list_grants(KeyId=key_id, **extra)["Grants"]
    return grants
