"""GrantTokens on every operation that takes them: a token this mock issued is accepted, any
other answers InvalidGrantTokenException (the model lists it for each of them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, fails, new_key

ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
INVALID = ("InvalidGrantTokenException", "The grant token is not valid.")


def _symmetric(client: BaseClient) -> str:
    key_id: str = new_key(client)["KeyId"]
    return key_id


def _signing(client: BaseClient) -> str:
    key_id: str = new_key(client, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyId"]
    return key_id


def _mac(client: BaseClient) -> str:
    key_id: str = new_key(client, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
    return key_id


def _blob(client: BaseClient, key_id: str) -> bytes:
    blob: bytes = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    return blob


# operation -> (the key it needs, the rest of its request)
CALLS: dict[
    str, tuple[Callable[[BaseClient], str], Callable[[BaseClient, str], dict[str, Any]]]
] = {
    "encrypt": (_symmetric, lambda c, k: {"KeyId": k, "Plaintext": b"x"}),
    "decrypt": (_symmetric, lambda c, k: {"CiphertextBlob": _blob(c, k)}),
    "re_encrypt": (
        _symmetric,
        lambda c, k: {"CiphertextBlob": _blob(c, k), "DestinationKeyId": k},
    ),
    "generate_data_key": (_symmetric, lambda c, k: {"KeyId": k, "KeySpec": "AES_256"}),
    "generate_data_key_without_plaintext": (
        _symmetric,
        lambda c, k: {"KeyId": k, "KeySpec": "AES_256"},
    ),
    "describe_key": (_symmetric, lambda c, k: {"KeyId": k}),
    "get_public_key": (_signing, lambda c, k: {"KeyId": k}),
    "sign": (
        _signing,
        lambda c, k: {"KeyId": k, "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"},
    ),
    "generate_mac": (
        _mac,
        lambda c, k: {"KeyId": k, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"},
    ),
}


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_a_token_the_mock_did_not_issue_is_refused(client: BaseClient, operation: str) -> None:
    make_key, request = CALLS[operation]
    params = request(client, make_key(client))
    assert fails(getattr(client, operation), **params, GrantTokens=["not-a-token"]) == INVALID


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_a_token_the_mock_issued_is_accepted(client: BaseClient, operation: str) -> None:
    make_key, request = CALLS[operation]
    key_id = make_key(client)
    token = client.create_grant(KeyId=key_id, GranteePrincipal=ROLE, Operations=["DescribeKey"])[
        "GrantToken"
    ]
    getattr(client, operation)(**request(client, key_id), GrantTokens=[token])


def test_the_token_is_checked_before_the_key_is_looked_up(client: BaseClient) -> None:
    missing = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/00000000-0000-4000-8000-000000000000"
    assert fails(client.describe_key, KeyId=missing, GrantTokens=["not-a-token"]) == INVALID
