"""Custom key stores' connection state (connecting, disconnecting, faults, the documented state
machine) and the keys in them, which are Unavailable while their store is not connected."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import REGION, describe, fails, key_arn, new_key
from helpers_custom_key_stores import (
    cloudhsm_params,
    connected_store,
    create,
    entry,
    invalid_state,
    xks_params,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock, KmsMockUsageError, mock_kms

# -- connecting and disconnecting ----------------------------------------------------------


def test_connect_disconnect_cycle(client: BaseClient) -> None:
    store_id = create(client, cloudhsm_params())
    assert fails(client.disconnect_custom_key_store, CustomKeyStoreId=store_id) == (
        invalid_state(store_id, "DisconnectCustomKeyStore", "DISCONNECTED")
    )
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert entry(client, store_id)["ConnectionState"] == "CONNECTED"
    client.connect_custom_key_store(CustomKeyStoreId=store_id)  # connecting again: no change
    assert entry(client, store_id)["ConnectionState"] == "CONNECTED"
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert entry(client, store_id)["ConnectionState"] == "DISCONNECTED"


def test_connection_fault_makes_the_store_failed_until_repaired(
    client: BaseClient, kms: KmsMock
) -> None:
    store_id = create(client, cloudhsm_params())
    kms.break_custom_key_store(store_id, "INSUFFICIENT_CLOUDHSM_HSMS")
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    found = entry(client, store_id)
    assert (found["ConnectionState"], found["ConnectionErrorCode"]) == (
        "FAILED",
        "INSUFFICIENT_CLOUDHSM_HSMS",
    )
    assert fails(client.connect_custom_key_store, CustomKeyStoreId=store_id) == (
        invalid_state(store_id, "ConnectCustomKeyStore", "FAILED")
    )
    assert fails(
        client.create_key, Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id
    ) == invalid_state(store_id, "CreateKey", "FAILED")
    # AWS's remedy: disconnect, fix, connect again.
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert "ConnectionErrorCode" not in entry(client, store_id)
    kms.repair_custom_key_store(store_id)
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert entry(client, store_id)["ConnectionState"] == "CONNECTED"


def test_a_fault_must_be_of_the_stores_kind(client: BaseClient, kms: KmsMock) -> None:
    store_id = create(client, xks_params())
    with pytest.raises(KmsMockUsageError) as excinfo:
        kms.break_custom_key_store(store_id, "INSUFFICIENT_CLOUDHSM_HSMS")
    assert str(excinfo.value) == (
        f"INSUFFICIENT_CLOUDHSM_HSMS is not a ConnectionErrorCode of EXTERNAL_KEY_STORE stores, "
        f"as {store_id} is; they fail with INTERNAL_ERROR, INVALID_CREDENTIALS, NETWORK_ERRORS, "
        "XKS_PROXY_ACCESS_DENIED, XKS_PROXY_INVALID_CONFIGURATION, XKS_PROXY_INVALID_RESPONSE, "
        "XKS_PROXY_INVALID_TLS_CONFIGURATION, XKS_PROXY_NOT_REACHABLE, XKS_PROXY_TIMED_OUT, "
        "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION, XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND"
    )
    client.connect_custom_key_store(CustomKeyStoreId=store_id)  # nothing was broken
    assert entry(client, store_id)["ConnectionState"] == "CONNECTED"


def test_a_misspelt_fault_is_named(client: BaseClient, kms: KmsMock) -> None:
    store_id = create(client, cloudhsm_params())
    with pytest.raises(KmsMockUsageError) as excinfo:
        kms.break_custom_key_store(store_id, "INSUFICIENT_CLOUDHSM_HSMS")
    assert str(excinfo.value) == (
        "'INSUFICIENT_CLOUDHSM_HSMS' is not a ConnectionErrorCode (did you mean "
        f"'INSUFFICIENT_CLOUDHSM_HSMS'?); AWS_CLOUDHSM stores, as {store_id} is, fail with "
        "CLUSTER_NOT_FOUND, INSUFFICIENT_CLOUDHSM_HSMS, INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET, "
        "INTERNAL_ERROR, INVALID_CREDENTIALS, NETWORK_ERRORS, SUBNET_NOT_FOUND, USER_LOCKED_OUT, "
        "USER_LOGGED_IN, USER_NOT_FOUND"
    )


def test_an_unknown_store_cannot_be_broken_or_repaired(client: BaseClient, kms: KmsMock) -> None:
    missing = "cks-1234567890abcdef0"
    message = (
        f"no custom key store {missing!r} in this mock (it has none): give the "
        "CustomKeyStoreId that CreateCustomKeyStore returned"
    )
    for call in (
        lambda: kms.break_custom_key_store(missing, "NETWORK_ERRORS"),
        lambda: kms.repair_custom_key_store(missing),
    ):
        with pytest.raises(KmsMockUsageError) as excinfo:
            call()
        assert str(excinfo.value) == message
    store_id = create(client, cloudhsm_params())
    with pytest.raises(KmsMockUsageError, match=rf"\(it has {store_id}\): give"):
        kms.break_custom_key_store(missing, "NETWORK_ERRORS")


def test_a_store_in_another_region_or_account_can_be_broken(kms: KmsMock) -> None:
    other = "210987654321"
    west = boto3.client(
        "kms", region_name="us-west-2", **kms.credentials(f"arn:aws:iam::{other}:root")
    )
    store_id = create(west, cloudhsm_params())
    kms.break_custom_key_store(store_id, "CLUSTER_NOT_FOUND")
    west.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert entry(west, store_id)["ConnectionErrorCode"] == "CLUSTER_NOT_FOUND"


def test_a_broken_connected_store_stays_connected_until_disconnected(
    client: BaseClient, kms: KmsMock
) -> None:
    store_id = connected_store(client, cloudhsm_params())
    kms.break_custom_key_store(store_id, "NETWORK_ERRORS")
    assert entry(client, store_id)["ConnectionState"] == "CONNECTED"
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert entry(client, store_id)["ConnectionState"] == "FAILED"


# -- keys in stores ------------------------------------------------------------------------


def test_key_in_external_store_works_while_connected(client: BaseClient) -> None:
    store_id = connected_store(client, xks_params())
    meta = new_key(client, Origin="EXTERNAL_KEY_STORE", CustomKeyStoreId=store_id, XksKeyId="ext-1")
    assert meta["Origin"] == "EXTERNAL_KEY_STORE"
    assert meta["CustomKeyStoreId"] == store_id
    assert meta["XksKeyConfiguration"] == {"Id": "ext-1"}
    assert (meta["KeyState"], meta["Enabled"]) == ("Enabled", True)
    assert "CloudHsmClusterId" not in meta and "CurrentKeyMaterialId" not in meta
    blob = client.encrypt(KeyId=meta["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


def test_key_in_cloudhsm_store_shows_its_cluster(client: BaseClient) -> None:
    store_id = connected_store(client, cloudhsm_params())
    meta = new_key(client, Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id)
    assert (meta["CustomKeyStoreId"], meta["CloudHsmClusterId"]) == (
        store_id,
        "cluster-abcdefghijk",
    )
    assert "XksKeyConfiguration" not in meta
    data_key = client.generate_data_key(KeyId=meta["KeyId"], KeySpec="AES_256")
    decrypted = client.decrypt(CiphertextBlob=data_key["CiphertextBlob"])
    assert decrypted["Plaintext"] == data_key["Plaintext"]


@pytest.mark.parametrize("params", [xks_params(), cloudhsm_params()])
def test_keys_are_unavailable_while_the_store_is_disconnected(
    client: BaseClient, params: dict[str, Any]
) -> None:
    store_id = connected_store(client, params)
    extra = {"XksKeyId": "ext-1"} if "XksProxyUriPath" in params else {}
    origin = "EXTERNAL_KEY_STORE" if extra else "AWS_CLOUDHSM"
    key_id = new_key(client, Origin=origin, CustomKeyStoreId=store_id, **extra)["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"data")["CiphertextBlob"]
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    meta = describe(client, key_id)
    assert (meta["KeyState"], meta["Enabled"]) == ("Unavailable", False)
    unavailable = ("KMSInvalidStateException", f"{key_arn(key_id)} is unavailable.")
    assert fails(client.encrypt, KeyId=key_id, Plaintext=b"data") == unavailable
    assert fails(client.decrypt, CiphertextBlob=blob) == unavailable
    assert fails(client.generate_data_key, KeyId=key_id, KeySpec="AES_256") == unavailable
    # New keys need a connected store.
    create_params = {"Origin": origin, "CustomKeyStoreId": store_id, **extra}
    create_params.pop("XksKeyId", None)
    if extra:
        create_params["XksKeyId"] = "ext-2"
    assert fails(client.create_key, **create_params) == invalid_state(
        store_id, "CreateKey", "DISCONNECTED"
    )
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert describe(client, key_id)["KeyState"] == "Enabled"
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"data"


def test_enable_and_disable_work_on_an_unavailable_key(client: BaseClient) -> None:
    store_id = connected_store(client, cloudhsm_params())
    key_id = new_key(client, Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id)["KeyId"]
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    client.disable_key(KeyId=key_id)
    # The key-state table: the call succeeds, the state shows once the key is available.
    assert describe(client, key_id)["KeyState"] == "Unavailable"
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert describe(client, key_id)["KeyState"] == "Disabled"
    assert fails(client.encrypt, KeyId=key_id, Plaintext=b"x") == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )


def test_key_pending_deletion_stays_so_while_unavailable(client: BaseClient) -> None:
    store_id = connected_store(client, cloudhsm_params())
    key_id = new_key(client, Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id)["KeyId"]
    client.schedule_key_deletion(KeyId=key_id)
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert describe(client, key_id)["KeyState"] == "PendingDeletion"
    client.cancel_key_deletion(KeyId=key_id)
    assert describe(client, key_id)["KeyState"] == "Unavailable"


def test_rotation_is_refused_for_keys_in_stores(client: BaseClient) -> None:
    hsm = connected_store(client, cloudhsm_params())
    xks = connected_store(client, xks_params())
    hsm_key = new_key(client, Origin="AWS_CLOUDHSM", CustomKeyStoreId=hsm)["KeyId"]
    xks_key = new_key(client, Origin="EXTERNAL_KEY_STORE", CustomKeyStoreId=xks, XksKeyId="e")[
        "KeyId"
    ]
    for key_id, origin in ((hsm_key, "AWS_CLOUDHSM"), (xks_key, "EXTERNAL_KEY_STORE")):
        refused = (
            "UnsupportedOperationException",
            f"{key_arn(key_id)} origin is {origin} which is not valid for this operation.",
        )
        assert fails(client.enable_key_rotation, KeyId=key_id) == refused
        assert fails(client.rotate_key_on_demand, KeyId=key_id) == refused
        assert fails(client.get_key_rotation_status, KeyId=key_id) == refused
    # Unavailable (key-state table, footnote 7): still the origin's refusal.
    client.disconnect_custom_key_store(CustomKeyStoreId=hsm)
    assert fails(client.enable_key_rotation, KeyId=hsm_key)[0] == "UnsupportedOperationException"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"Origin": "AWS_CLOUDHSM"},
            (
                "ValidationException",
                "CustomKeyStoreId is required for KMS keys with Origin AWS_CLOUDHSM.",
            ),
        ),
        (
            {"CustomKeyStoreId": "cks-1234567890abcdef0"},
            (
                "ValidationException",
                "CustomKeyStoreId is not valid for KMS keys with Origin AWS_KMS.",
            ),
        ),
        (
            {"Origin": "EXTERNAL", "XksKeyId": "e"},
            ("ValidationException", "XksKeyId is not valid for KMS keys with Origin EXTERNAL."),
        ),
        (
            {"Origin": "EXTERNAL_KEY_STORE", "CustomKeyStoreId": "cks-1234567890abcdef0"},
            (
                "ValidationException",
                "XksKeyId is required for KMS keys with Origin EXTERNAL_KEY_STORE.",
            ),
        ),
        (
            {"Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": "cks-1", "XksKeyId": "e"},
            ("ValidationException", "XksKeyId is not valid for KMS keys with Origin AWS_CLOUDHSM."),
        ),
        (
            {
                "Origin": "AWS_CLOUDHSM",
                "CustomKeyStoreId": "cks-1",
                "KeySpec": "HMAC_256",
                "KeyUsage": "GENERATE_VERIFY_MAC",
            },
            (
                "UnsupportedOperationException",
                "KeySpec HMAC_256 is not valid for KMS keys in a custom key store. Only "
                "SYMMETRIC_DEFAULT keys can be created in a custom key store.",
            ),
        ),
        (
            {"Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": "cks-1234567890abcdef0"},
            (
                "CustomKeyStoreNotFoundException",
                "Custom key store 'cks-1234567890abcdef0' does not exist.",
            ),
        ),
    ],
)
def test_create_key_in_store_is_validated(
    client: BaseClient, params: dict[str, Any], error: tuple[str, str]
) -> None:
    assert fails(client.create_key, **params) == error
    assert client.list_keys()["Keys"] == []


def test_origin_must_match_the_store_type(client: BaseClient) -> None:
    xks = connected_store(client, xks_params())
    assert fails(client.create_key, Origin="AWS_CLOUDHSM", CustomKeyStoreId=xks) == (
        "UnsupportedOperationException",
        f"Origin AWS_CLOUDHSM is not valid for custom key store {xks}, whose "
        "CustomKeyStoreType is EXTERNAL_KEY_STORE.",
    )


def test_external_key_serves_one_kms_key_per_store(client: BaseClient) -> None:
    xks = connected_store(client, xks_params())
    first = new_key(client, Origin="EXTERNAL_KEY_STORE", CustomKeyStoreId=xks, XksKeyId="ext")
    assert fails(
        client.create_key, Origin="EXTERNAL_KEY_STORE", CustomKeyStoreId=xks, XksKeyId="ext"
    ) == (
        "XksKeyAlreadyInUseException",
        f"XksKeyId ext is already associated with KMS key {first['Arn']} in custom key store "
        f"{xks}.",
    )
    other = connected_store(client, xks_params("other", path="/o/kms/xks/v1"))
    new_key(client, Origin="EXTERNAL_KEY_STORE", CustomKeyStoreId=other, XksKeyId="ext")


# -- the state machine against a model -----------------------------------------------------

_ACTIONS = st.lists(st.sampled_from(["connect", "disconnect", "fault", "repair"]), max_size=12)


@settings(max_examples=50, deadline=None)
@given(actions=_ACTIONS)
def test_connection_state_follows_the_documented_machine(actions: list[str]) -> None:
    with mock_kms() as kms:
        client = boto3.client("kms", region_name=REGION)
        store_id = create(client, cloudhsm_params())
        key_id = new_key_after_connect(client, store_id)
        state, broken = "DISCONNECTED", False
        for action in actions:
            if action == "fault":
                kms.break_custom_key_store(store_id, "USER_NOT_FOUND")
                broken = True
                continue
            if action == "repair":
                kms.repair_custom_key_store(store_id)
                broken = False
                continue
            call = getattr(client, f"{action}_custom_key_store")
            if action == "connect":
                if state == "FAILED":
                    assert fails(call, CustomKeyStoreId=store_id)[0] == (
                        "CustomKeyStoreInvalidStateException"
                    )
                    continue
                call(CustomKeyStoreId=store_id)
                if state == "DISCONNECTED":
                    state = "FAILED" if broken else "CONNECTED"
            else:
                if state == "DISCONNECTED":
                    assert fails(call, CustomKeyStoreId=store_id)[0] == (
                        "CustomKeyStoreInvalidStateException"
                    )
                    continue
                call(CustomKeyStoreId=store_id)
                state = "DISCONNECTED"
            found = entry(client, store_id)
            assert found["ConnectionState"] == state
            assert ("ConnectionErrorCode" in found) == (state == "FAILED")
            expected = "Enabled" if state == "CONNECTED" else "Unavailable"
            assert describe(client, key_id)["KeyState"] == expected


def new_key_after_connect(client: BaseClient, store_id: str) -> str:
    """A key in the store, which is left disconnected as it was."""
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    key_id: str = new_key(client, Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id)["KeyId"]
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    return key_id
