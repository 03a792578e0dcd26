"""What the custom key store tests share: CreateCustomKeyStore parameters per store type, and
creating, connecting and describing stores."""

from __future__ import annotations

from typing import Any

from botocore.client import BaseClient

CERT = "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----"
CREDENTIAL = {"AccessKeyId": "ABCDEFGHIJKLMNOPQRST", "RawSecretAccessKey": "a" * 43}


def cloudhsm_params(name: str = "hsm", cluster: str = "cluster-abcdefghijk") -> dict[str, Any]:
    """CreateCustomKeyStore parameters of a CloudHSM store."""
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
    """CreateCustomKeyStore parameters of an external store reached over a public endpoint,
    with ``extra`` members."""
    return {
        "CustomKeyStoreName": name,
        "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
        "XksProxyUriEndpoint": endpoint,
        "XksProxyUriPath": path,
        "XksProxyAuthenticationCredential": CREDENTIAL,
        "XksProxyConnectivity": "PUBLIC_ENDPOINT",
        **extra,
    }


def create(client: BaseClient, params: dict[str, Any]) -> str:
    """CreateCustomKeyStore with ``params``; the store's ID."""
    store_id: str = client.create_custom_key_store(**params)["CustomKeyStoreId"]
    return store_id


def entry(client: BaseClient, store_id: str) -> dict[str, Any]:
    """DescribeCustomKeyStores' one entry for ``store_id``."""
    stores = client.describe_custom_key_stores(CustomKeyStoreId=store_id)["CustomKeyStores"]
    assert len(stores) == 1
    found: dict[str, Any] = stores[0]
    return found


def connected_store(client: BaseClient, params: dict[str, Any]) -> str:
    """A store created with ``params`` and connected; its ID."""
    store_id = create(client, params)
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    return store_id


def invalid_state(store_id: str, operation: str, state: str) -> tuple[str, str]:
    """The error of ``operation`` on ``store_id`` in ConnectionState ``state``."""
    return (
        "CustomKeyStoreInvalidStateException",
        f"{operation} is not valid for custom key store {store_id} while its ConnectionState "
        f"is {state}.",
    )
