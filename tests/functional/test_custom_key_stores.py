"""Custom key stores (CloudHSM and external): their state machine, their validations, and the
keys in them, which are Unavailable while their store is not connected."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, describe, fails, key_arn, new_key
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock, mock_kms

CERT = "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----"
CREDENTIAL = {"AccessKeyId": "ABCDEFGHIJKLMNOPQRST", "RawSecretAccessKey": "a" * 43}
CREDENTIAL_2 = {"AccessKeyId": "BCDEFGHIJKLMNOPQRSTU", "RawSecretAccessKey": "b" * 43}
VPC_SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"


def cloudhsm_params(name: str = "hsm", cluster: str = "cluster-abcdefghijk") -> dict[str, Any]:
    return {
        "CustomKeyStoreName": name,
        "CloudHsmClusterId": cluster,
        "TrustAnchorCertificate": CERT,
        "KeyStorePassword": "kmsuser-password",
    }


def xks_params(
    name: str = "xks",
    endpoint: str = "https://xks.example.com",
    path: str = "/kms/xks/v1",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "CustomKeyStoreName": name,
        "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
        "XksProxyUriEndpoint": endpoint,
        "XksProxyUriPath": path,
        "XksProxyAuthenticationCredential": CREDENTIAL,
        "XksProxyConnectivity": "PUBLIC_ENDPOINT",
        **extra,
    }


def vpc_params(name: str = "vpc", endpoint: str = "https://private.example.com") -> dict[str, Any]:
    return xks_params(
        name,
        endpoint,
        XksProxyConnectivity="VPC_ENDPOINT_SERVICE",
        XksProxyVpcEndpointServiceName=VPC_SERVICE,
    )


def create(client: BaseClient, params: dict[str, Any]) -> str:
    store_id: str = client.create_custom_key_store(**params)["CustomKeyStoreId"]
    return store_id


def entry(client: BaseClient, store_id: str) -> dict[str, Any]:
    stores = client.describe_custom_key_stores(CustomKeyStoreId=store_id)["CustomKeyStores"]
    assert len(stores) == 1
    found: dict[str, Any] = stores[0]
    return found


def connected_store(client: BaseClient, params: dict[str, Any]) -> str:
    store_id = create(client, params)
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    return store_id


def invalid_state(store_id: str, operation: str, state: str) -> tuple[str, str]:
    return (
        "CustomKeyStoreInvalidStateException",
        f"{operation} is not valid for custom key store {store_id} while its ConnectionState "
        f"is {state}.",
    )


# -- stores --------------------------------------------------------------------------------


def test_cloudhsm_store_is_created_disconnected_and_described(client: BaseClient) -> None:
    store_id = create(client, cloudhsm_params())
    assert re.fullmatch(r"cks-[0-9a-f]{17}", store_id)
    found = entry(client, store_id)
    assert isinstance(found.pop("CreationDate"), datetime)
    assert found == {
        "CustomKeyStoreId": store_id,
        "CustomKeyStoreName": "hsm",
        "CloudHsmClusterId": "cluster-abcdefghijk",
        "TrustAnchorCertificate": CERT,
        "ConnectionState": "DISCONNECTED",
        "CustomKeyStoreType": "AWS_CLOUDHSM",
    }


def test_cloudhsm_is_the_default_type(client: BaseClient) -> None:
    params = {**cloudhsm_params(), "CustomKeyStoreType": "AWS_CLOUDHSM"}
    assert entry(client, create(client, params))["CustomKeyStoreType"] == "AWS_CLOUDHSM"


def test_external_store_is_described_with_its_proxy_configuration(client: BaseClient) -> None:
    public = entry(client, create(client, xks_params()))
    assert public["XksProxyConfiguration"] == {
        "Connectivity": "PUBLIC_ENDPOINT",
        "AccessKeyId": CREDENTIAL["AccessKeyId"],
        "UriEndpoint": "https://xks.example.com",
        "UriPath": "/kms/xks/v1",
    }
    assert "CloudHsmClusterId" not in public and "TrustAnchorCertificate" not in public
    vpc = entry(client, create(client, vpc_params()))
    # The owner defaults to the caller's account.
    assert vpc["XksProxyConfiguration"] == {
        "Connectivity": "VPC_ENDPOINT_SERVICE",
        "AccessKeyId": CREDENTIAL["AccessKeyId"],
        "UriEndpoint": "https://private.example.com",
        "UriPath": "/kms/xks/v1",
        "VpcEndpointServiceName": VPC_SERVICE,
        "VpcEndpointServiceOwner": ACCOUNT,
    }


@pytest.mark.parametrize(
    ("params", "member", "kind"),
    [
        ({**cloudhsm_params(), "CloudHsmClusterId": None}, "CloudHsmClusterId", "AWS_CLOUDHSM"),
        (
            {**cloudhsm_params(), "TrustAnchorCertificate": None},
            "TrustAnchorCertificate",
            "AWS_CLOUDHSM",
        ),
        ({**cloudhsm_params(), "KeyStorePassword": None}, "KeyStorePassword", "AWS_CLOUDHSM"),
        (
            {**xks_params(), "XksProxyUriEndpoint": None},
            "XksProxyUriEndpoint",
            "EXTERNAL_KEY_STORE",
        ),
        ({**xks_params(), "XksProxyUriPath": None}, "XksProxyUriPath", "EXTERNAL_KEY_STORE"),
        (
            {**xks_params(), "XksProxyAuthenticationCredential": None},
            "XksProxyAuthenticationCredential",
            "EXTERNAL_KEY_STORE",
        ),
        (
            {**xks_params(), "XksProxyConnectivity": None},
            "XksProxyConnectivity",
            "EXTERNAL_KEY_STORE",
        ),
        (
            {**vpc_params(), "XksProxyVpcEndpointServiceName": None},
            "XksProxyVpcEndpointServiceName",
            "EXTERNAL_KEY_STORE and XksProxyConnectivity VPC_ENDPOINT_SERVICE",
        ),
    ],
)
def test_required_parameters_per_type(
    client: BaseClient, params: dict[str, Any], member: str, kind: str
) -> None:
    params = {k: v for k, v in params.items() if v is not None}
    assert fails(client.create_custom_key_store, **params) == (
        "ValidationException",
        f"{member} is required for custom key stores with CustomKeyStoreType {kind}.",
    )
    assert client.describe_custom_key_stores()["CustomKeyStores"] == []


@pytest.mark.parametrize(
    ("params", "member", "kind"),
    [
        (
            {**cloudhsm_params(), "XksProxyUriPath": "/kms/xks/v1"},
            "XksProxyUriPath",
            "AWS_CLOUDHSM",
        ),
        (
            {**xks_params(), "KeyStorePassword": "password"},
            "KeyStorePassword",
            "EXTERNAL_KEY_STORE",
        ),
        (
            {**xks_params(), "XksProxyVpcEndpointServiceName": VPC_SERVICE},
            "XksProxyVpcEndpointServiceName",
            "EXTERNAL_KEY_STORE and XksProxyConnectivity PUBLIC_ENDPOINT",
        ),
    ],
)
def test_parameters_of_the_other_type_are_refused(
    client: BaseClient, params: dict[str, Any], member: str, kind: str
) -> None:
    assert fails(client.create_custom_key_store, **params) == (
        "ValidationException",
        f"{member} is not valid for custom key stores with CustomKeyStoreType {kind}.",
    )


def test_model_rules_apply_to_proxy_uri_and_password(raw_client: BaseClient) -> None:
    code, message = fails(
        raw_client.create_custom_key_store,
        **xks_params(endpoint="https://xks.example.com:8443", path="/kms/xks/v1/"),
    )
    assert code == "ValidationException"
    assert message.startswith("2 validation errors detected: Value 'https://xks.example.com:8443'")
    code, message = fails(
        raw_client.create_custom_key_store, **{**cloudhsm_params(), "KeyStorePassword": "short"}
    )
    # The password is sensitive: AWS does not echo it.
    assert (code, message) == (
        "ValidationException",
        "1 validation error detected: Value at 'keyStorePassword' failed to satisfy "
        "constraint: Member must have length greater than or equal to 7",
    )


def test_name_is_unique_per_account_and_region(client: BaseClient) -> None:
    create(client, cloudhsm_params("shared"))
    assert fails(client.create_custom_key_store, **xks_params("shared")) == (
        "CustomKeyStoreNameInUseException",
        "Custom key store name 'shared' is already in use in this account and Region.",
    )
    # Another region has its own names.
    other = boto3.client("kms", region_name="eu-west-1")
    assert other.create_custom_key_store(**cloudhsm_params("shared"))["CustomKeyStoreId"]
    assert len(client.describe_custom_key_stores()["CustomKeyStores"]) == 1


def test_cluster_serves_one_store(client: BaseClient) -> None:
    first = create(client, cloudhsm_params("a"))
    assert fails(client.create_custom_key_store, **cloudhsm_params("b")) == (
        "CloudHsmClusterInUseException",
        f"CloudHSM cluster cluster-abcdefghijk is already associated with custom key store "
        f"{first}.",
    )


def test_proxy_uniqueness_rules(client: BaseClient) -> None:
    public = create(client, xks_params("p1"))
    # Same endpoint and path: refused; same endpoint, other path: fine for public endpoints.
    assert fails(client.create_custom_key_store, **xks_params("p2")) == (
        "XksProxyUriInUseException",
        f"https://xks.example.com/kms/xks/v1 is already associated with external key store "
        f"{public}.",
    )
    create(client, xks_params("p3", path="/other/kms/xks/v1"))
    # A VPC endpoint service store cannot share a public store's endpoint...
    vpc_on_public = {
        **vpc_params("v0", "https://xks.example.com"),
        "XksProxyUriPath": "/a/kms/xks/v1",
    }
    assert fails(client.create_custom_key_store, **vpc_on_public) == (
        "XksProxyUriEndpointInUseException",
        f"https://xks.example.com is already associated with external key store {public}.",
    )
    # ...and each has its own private DNS name and its own endpoint service.
    vpc = create(client, vpc_params("v1"))
    same_dns = {**vpc_params("v2"), "XksProxyUriPath": "/b/kms/xks/v1"}
    assert fails(client.create_custom_key_store, **same_dns) == (
        "XksProxyUriEndpointInUseException",
        f"https://private.example.com is already associated with external key store {vpc}.",
    )
    assert fails(client.create_custom_key_store, **vpc_params("v3", "https://other.example")) == (
        "XksProxyVpcEndpointServiceInUseException",
        f"{VPC_SERVICE} is already associated with external key store {vpc}.",
    )


def test_at_most_ten_stores_per_account_and_region(client: BaseClient) -> None:
    for i in range(10):
        create(client, cloudhsm_params(f"s{i}", f"cluster-abcdefghij{chr(97 + i)}"))
    assert fails(client.create_custom_key_store, **xks_params()) == (
        "LimitExceededException",
        "This account and Region already have 10 custom key stores, the most AWS allows.",
    )


def test_describe_filters_by_id_or_name_and_pages(client: BaseClient) -> None:
    ids = [create(client, xks_params(f"s{i}", path=f"/p{i}/kms/xks/v1")) for i in range(5)]
    listed = client.describe_custom_key_stores()
    assert [s["CustomKeyStoreId"] for s in listed["CustomKeyStores"]] == ids
    assert listed["Truncated"] is False
    by_name = client.describe_custom_key_stores(CustomKeyStoreName="s3")["CustomKeyStores"]
    assert [s["CustomKeyStoreId"] for s in by_name] == [ids[3]]
    pages = client.get_paginator("describe_custom_key_stores").paginate(
        PaginationConfig={"PageSize": 2}
    )
    chunks = [[s["CustomKeyStoreId"] for s in p["CustomKeyStores"]] for p in pages]
    assert chunks == [ids[0:2], ids[2:4], ids[4:]]
    assert fails(client.describe_custom_key_stores, Marker="bogus") == (
        "InvalidMarkerException",
        "Invalid marker",
    )


def test_describe_not_found_and_both_filters(client: BaseClient) -> None:
    store_id = create(client, cloudhsm_params())
    assert fails(client.describe_custom_key_stores, CustomKeyStoreId="cks-00000000000000000") == (
        "CustomKeyStoreNotFoundException",
        "Custom key store 'cks-00000000000000000' does not exist.",
    )
    assert fails(client.describe_custom_key_stores, CustomKeyStoreName="nope") == (
        "CustomKeyStoreNotFoundException",
        "Custom key store named 'nope' does not exist.",
    )
    assert fails(
        client.describe_custom_key_stores, CustomKeyStoreId=store_id, CustomKeyStoreName="hsm"
    ) == (
        "ValidationException",
        "You cannot specify both CustomKeyStoreId and CustomKeyStoreName in the same request.",
    )


def test_stores_are_per_account_and_region(client: BaseClient) -> None:
    store_id = create(client, cloudhsm_params())
    other_region = boto3.client("kms", region_name="eu-west-1")
    assert other_region.describe_custom_key_stores()["CustomKeyStores"] == []
    assert fails(other_region.connect_custom_key_store, CustomKeyStoreId=store_id) == (
        "CustomKeyStoreNotFoundException",
        f"Custom key store '{store_id}' does not exist.",
    )
    with mock_kms(account_id="111122223333"):  # shares the world, as another account
        assert client.describe_custom_key_stores()["CustomKeyStores"] == []
    assert len(client.describe_custom_key_stores()["CustomKeyStores"]) == 1


@pytest.mark.parametrize(
    "operation",
    ["connect_custom_key_store", "disconnect_custom_key_store", "delete_custom_key_store"],
)
def test_unknown_store_is_not_found(client: BaseClient, operation: str) -> None:
    assert fails(getattr(client, operation), CustomKeyStoreId="cks-1234567890abcdef0") == (
        "CustomKeyStoreNotFoundException",
        "Custom key store 'cks-1234567890abcdef0' does not exist.",
    )


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
    kms.world.custom_key_store_faults[store_id] = "INSUFFICIENT_CLOUDHSM_HSMS"
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
    del kms.world.custom_key_store_faults[store_id]
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert entry(client, store_id)["ConnectionState"] == "CONNECTED"


def test_fault_of_the_wrong_kind_of_store_is_a_usage_error(
    client: BaseClient, kms: KmsMock
) -> None:
    store_id = create(client, xks_params())
    kms.world.custom_key_store_faults[store_id] = "INSUFFICIENT_CLOUDHSM_HSMS"
    code, message = fails(client.connect_custom_key_store, CustomKeyStoreId=store_id)
    assert code == "KMSInternalException"
    assert "is not a ConnectionErrorCode of EXTERNAL_KEY_STORE stores" in message
    assert entry(client, store_id)["ConnectionState"] == "DISCONNECTED"


def test_update_while_disconnected(client: BaseClient) -> None:
    hsm = create(client, cloudhsm_params())
    client.update_custom_key_store(
        CustomKeyStoreId=hsm,
        NewCustomKeyStoreName="renamed",
        KeyStorePassword="new-password",
        CloudHsmClusterId="cluster-zyxwvutsrqp",
    )
    found = entry(client, hsm)
    assert (found["CustomKeyStoreName"], found["CloudHsmClusterId"]) == (
        "renamed",
        "cluster-zyxwvutsrqp",
    )
    xks = create(client, xks_params())
    client.update_custom_key_store(
        CustomKeyStoreId=xks,
        XksProxyConnectivity="VPC_ENDPOINT_SERVICE",
        XksProxyUriEndpoint="https://private.example.com",
        XksProxyVpcEndpointServiceName=VPC_SERVICE,
        XksProxyAuthenticationCredential=CREDENTIAL_2,
    )
    assert entry(client, xks)["XksProxyConfiguration"] == {
        "Connectivity": "VPC_ENDPOINT_SERVICE",
        "AccessKeyId": CREDENTIAL_2["AccessKeyId"],
        "UriEndpoint": "https://private.example.com",
        "UriPath": "/kms/xks/v1",
        "VpcEndpointServiceName": VPC_SERVICE,
        "VpcEndpointServiceOwner": ACCOUNT,
    }
    # Back to a public endpoint: the endpoint service goes.
    client.update_custom_key_store(
        CustomKeyStoreId=xks,
        XksProxyConnectivity="PUBLIC_ENDPOINT",
        XksProxyUriEndpoint="https://public.example.com",
    )
    assert entry(client, xks)["XksProxyConfiguration"] == {
        "Connectivity": "PUBLIC_ENDPOINT",
        "AccessKeyId": CREDENTIAL_2["AccessKeyId"],
        "UriEndpoint": "https://public.example.com",
        "UriPath": "/kms/xks/v1",
    }


def test_refused_update_changes_nothing(client: BaseClient) -> None:
    create(client, cloudhsm_params("taken", "cluster-takentakent"))
    hsm = create(client, cloudhsm_params())
    before = entry(client, hsm)
    assert fails(
        client.update_custom_key_store,
        CustomKeyStoreId=hsm,
        NewCustomKeyStoreName="fresh",
        CloudHsmClusterId="cluster-takentakent",
    )[0] == ("CloudHsmClusterInUseException")
    assert fails(
        client.update_custom_key_store, CustomKeyStoreId=hsm, NewCustomKeyStoreName="taken"
    ) == (
        "CustomKeyStoreNameInUseException",
        "Custom key store name 'taken' is already in use in this account and Region.",
    )
    assert fails(
        client.update_custom_key_store, CustomKeyStoreId=hsm, XksProxyUriPath="/kms/xks/v1"
    ) == (
        "ValidationException",
        "XksProxyUriPath is not valid for custom key stores with CustomKeyStoreType AWS_CLOUDHSM.",
    )
    xks = create(client, xks_params())
    assert fails(
        client.update_custom_key_store,
        CustomKeyStoreId=xks,
        XksProxyConnectivity="VPC_ENDPOINT_SERVICE",
    ) == (
        "ValidationException",
        "You must specify a new XksProxyUriEndpoint when you change the XksProxyConnectivity.",
    )
    assert entry(client, hsm) == before


def test_update_while_connected_only_for_live_properties(client: BaseClient) -> None:
    hsm = connected_store(client, cloudhsm_params())
    client.update_custom_key_store(CustomKeyStoreId=hsm, NewCustomKeyStoreName="renamed")
    assert entry(client, hsm)["CustomKeyStoreName"] == "renamed"
    assert fails(
        client.update_custom_key_store, CustomKeyStoreId=hsm, KeyStorePassword="new-password"
    ) == invalid_state(hsm, "UpdateCustomKeyStore", "CONNECTED")
    xks = connected_store(client, xks_params())
    client.update_custom_key_store(
        CustomKeyStoreId=xks,
        XksProxyUriPath="/new/kms/xks/v1",
        XksProxyAuthenticationCredential=CREDENTIAL_2,
    )
    assert entry(client, xks)["XksProxyConfiguration"]["UriPath"] == "/new/kms/xks/v1"
    assert fails(
        client.update_custom_key_store,
        CustomKeyStoreId=xks,
        XksProxyUriEndpoint="https://moved.example.com",
    ) == invalid_state(xks, "UpdateCustomKeyStore", "CONNECTED")


def test_update_of_a_failed_store_is_refused(client: BaseClient, kms: KmsMock) -> None:
    store_id = create(client, cloudhsm_params())
    kms.world.custom_key_store_faults[store_id] = "USER_LOGGED_IN"
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert fails(
        client.update_custom_key_store, CustomKeyStoreId=store_id, NewCustomKeyStoreName="x"
    ) == invalid_state(store_id, "UpdateCustomKeyStore", "FAILED")


def test_delete_needs_a_disconnected_empty_store(client: BaseClient) -> None:
    store_id = connected_store(client, cloudhsm_params())
    assert fails(client.delete_custom_key_store, CustomKeyStoreId=store_id) == (
        invalid_state(store_id, "DeleteCustomKeyStore", "CONNECTED")
    )
    key_id = new_key(client, Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id)["KeyId"]
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    # A key pending deletion still exists.
    assert fails(client.delete_custom_key_store, CustomKeyStoreId=store_id) == (
        "CustomKeyStoreHasCMKsException",
        f"Custom key store {store_id} contains KMS keys. Delete them with ScheduleKeyDeletion "
        "before you delete the custom key store.",
    )
    with freeze_time(datetime.now(timezone.utc) + timedelta(days=8)):
        client.delete_custom_key_store(CustomKeyStoreId=store_id)
    assert client.describe_custom_key_stores()["CustomKeyStores"] == []


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
                kms.world.custom_key_store_faults[store_id] = "USER_NOT_FOUND"
                broken = True
                continue
            if action == "repair":
                kms.world.custom_key_store_faults.pop(store_id, None)
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
