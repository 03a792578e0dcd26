"""GenerateRandom with CustomKeyStoreId: random bytes from a connected CloudHSM key store, and
AWS's refusals (API reference) for unknown, external and unconnected stores."""

from __future__ import annotations

import boto3
import pytest
from botocore.client import BaseClient
from conftest import fails
from test_custom_key_stores import cloudhsm_params, connected_store, create, xks_params

from kmsmock import KmsMock


@pytest.mark.parametrize("size", [1, 32, 1024])
def test_connected_cloudhsm_store(client: BaseClient, size: int) -> None:
    store_id = connected_store(client, cloudhsm_params())
    answer = client.generate_random(NumberOfBytes=size, CustomKeyStoreId=store_id)
    assert len(answer["Plaintext"]) == size
    assert "CiphertextForRecipient" not in answer
    draws = {
        client.generate_random(NumberOfBytes=16, CustomKeyStoreId=store_id)["Plaintext"]
        for _ in range(5)
    }
    assert len(draws) == 5


def test_unknown_store(client: BaseClient) -> None:
    assert fails(
        client.generate_random, NumberOfBytes=8, CustomKeyStoreId="cks-1234567890abcdef0"
    ) == (
        "CustomKeyStoreNotFoundException",
        "Custom key store 'cks-1234567890abcdef0' does not exist.",
    )


def test_store_of_another_region_is_unknown(kms: KmsMock, client: BaseClient) -> None:
    store_id = connected_store(client, cloudhsm_params())
    other = boto3.client("kms", region_name="eu-west-1")
    assert fails(other.generate_random, NumberOfBytes=8, CustomKeyStoreId=store_id) == (
        "CustomKeyStoreNotFoundException",
        f"Custom key store '{store_id}' does not exist.",
    )


@pytest.mark.parametrize("connect", [False, True])
def test_external_key_store(client: BaseClient, connect: bool) -> None:
    # Refused whatever its state: external key store IDs are never valid here.
    store_id = connected_store(client, xks_params()) if connect else create(client, xks_params())
    assert fails(client.generate_random, NumberOfBytes=8, CustomKeyStoreId=store_id) == (
        "UnsupportedOperationException",
        f"GenerateRandom is not valid for custom key store {store_id}, whose "
        "CustomKeyStoreType is EXTERNAL_KEY_STORE. Only AWS_CLOUDHSM key stores can generate "
        "random bytes.",
    )


@pytest.mark.parametrize("state", ["DISCONNECTED", "FAILED", "RECONNECTED-THEN-DISCONNECTED"])
def test_cloudhsm_store_that_is_not_connected(kms: KmsMock, client: BaseClient, state: str) -> None:
    store_id = create(client, cloudhsm_params())
    if state == "FAILED":
        kms.break_custom_key_store(store_id, "NETWORK_ERRORS")
        client.connect_custom_key_store(CustomKeyStoreId=store_id)
    elif state != "DISCONNECTED":
        client.connect_custom_key_store(CustomKeyStoreId=store_id)
        client.generate_random(NumberOfBytes=8, CustomKeyStoreId=store_id)
        client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    shown = "FAILED" if state == "FAILED" else "DISCONNECTED"
    assert fails(client.generate_random, NumberOfBytes=8, CustomKeyStoreId=store_id) == (
        "CustomKeyStoreInvalidStateException",
        f"GenerateRandom is not valid for custom key store {store_id} while its "
        f"ConnectionState is {shown}.",
    )


def test_number_of_bytes_is_checked_first(raw_client: BaseClient) -> None:
    assert fails(raw_client.generate_random, CustomKeyStoreId="cks-1234567890abcdef0") == (
        "ValidationException",
        "NumberOfBytes is required.",
    )
