"""Custom key stores (CloudHSM and external): CreateCustomKeyStore, DescribeCustomKeyStores,
UpdateCustomKeyStore and DeleteCustomKeyStore, and their validations."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, fails, modelled, new_key
from freezegun import freeze_time
from helpers_custom_key_stores import (
    CERT,
    CREDENTIAL,
    cloudhsm_params,
    connected_store,
    create,
    entry,
    invalid_state,
    xks_params,
)

from kmsmock import KmsMock, mock_kms

CREDENTIAL_2 = {"AccessKeyId": "BCDEFGHIJKLMNOPQRSTU", "RawSecretAccessKey": "b" * 43}
VPC_SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"


def vpc_params(name: str = "vpc", endpoint: str = "https://private.example.com") -> dict[str, Any]:
    return xks_params(
        name,
        endpoint,
        XksProxyConnectivity="VPC_ENDPOINT_SERVICE",
        XksProxyVpcEndpointServiceName=VPC_SERVICE,
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
    assert vpc["XksProxyConfiguration"] == modelled(
        "XksProxyConfigurationType",
        {
            "Connectivity": "VPC_ENDPOINT_SERVICE",
            "AccessKeyId": CREDENTIAL["AccessKeyId"],
            "UriEndpoint": "https://private.example.com",
            "UriPath": "/kms/xks/v1",
            "VpcEndpointServiceName": VPC_SERVICE,
            "VpcEndpointServiceOwner": ACCOUNT,
        },
    )


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
    assert entry(client, xks)["XksProxyConfiguration"] == modelled(
        "XksProxyConfigurationType",
        {
            "Connectivity": "VPC_ENDPOINT_SERVICE",
            "AccessKeyId": CREDENTIAL_2["AccessKeyId"],
            "UriEndpoint": "https://private.example.com",
            "UriPath": "/kms/xks/v1",
            "VpcEndpointServiceName": VPC_SERVICE,
            "VpcEndpointServiceOwner": ACCOUNT,
        },
    )
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
    kms.break_custom_key_store(store_id, "USER_LOGGED_IN")
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
