"""What the symmetric cryptography tests share: expected errors, hypothesis settings, the
``key`` and ``other_key`` fixtures, and reading Decrypt's errors and responses."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient
from conftest import fails
from hypothesis import HealthCheck, settings

INCORRECT_KEY = (
    "IncorrectKeyException",
    "The key ID in the request does not identify a CMK that can perform this operation.",
)
INVALID_CIPHERTEXT = ("InvalidCiphertextException", "")  # AWS sends no message

# Hypothesis reuses the test's one mock and key across examples; nothing in these tests
# depends on state an earlier example left behind.
fixture_settings = settings(
    max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


def decrypt_error(client: BaseClient, blob: bytes, **params: Any) -> tuple[str, str]:
    """(code, message) of the error Decrypt of ``blob`` (with ``params``) fails with."""
    return fails(client.decrypt, CiphertextBlob=blob, **params)


def body(response: dict[str, Any]) -> dict[str, Any]:
    """``response`` without its ResponseMetadata."""
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@pytest.fixture(name="key")
def key_fixture(client: BaseClient) -> dict[str, Any]:
    """A new symmetric key with the alias ``alias/crypto-test``."""
    metadata: dict[str, Any] = client.create_key()["KeyMetadata"]
    client.create_alias(AliasName="alias/crypto-test", TargetKeyId=metadata["KeyId"])
    return metadata


@pytest.fixture(name="other_key")
def other_key_fixture(client: BaseClient) -> dict[str, Any]:
    """A second new symmetric key, without an alias."""
    metadata: dict[str, Any] = client.create_key()["KeyMetadata"]
    return metadata
