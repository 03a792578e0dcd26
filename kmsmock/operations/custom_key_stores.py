"""Custom key stores: CreateCustomKeyStore, DescribeCustomKeyStores, UpdateCustomKeyStore,
ConnectCustomKeyStore, DisconnectCustomKeyStore, DeleteCustomKeyStore.

There is no CloudHSM cluster and no external key store proxy behind a mock store: every
cluster ID, certificate, password, proxy URI and credential is accepted as it is given (the
model's own checks apply), and connecting succeeds at once. To see a connection fail, a test
breaks the store first: ``KmsMock.break_custom_key_store(store_id, code)``.

AWS's messages for most of these errors were not found in any recording: they are worded in
AWS's style and listed in docs/custom-key-stores.md.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from kmsmock.backend.context import RequestContext
from kmsmock.backend.key_store_state import (
    CLOUDHSM,
    CONNECTED,
    CONNECTION_ERRORS,
    DISCONNECTED,
    EXTERNAL,
    FAILED,
    PUBLIC_ENDPOINT,
    VPC_ENDPOINT_SERVICE,
    CustomKeyStore,
)
from kmsmock.backend.pagination import page
from kmsmock.backend.state import RegionState
from kmsmock.errors import KmsError, KmsMockUsageError
from kmsmock.operations.table import Params, Result, operation

_CLOUDHSM_MEMBERS = ("CloudHsmClusterId", "TrustAnchorCertificate", "KeyStorePassword")
_XKS_MEMBERS = (
    "XksProxyUriEndpoint",
    "XksProxyUriPath",
    "XksProxyVpcEndpointServiceName",
    "XksProxyVpcEndpointServiceOwner",
    "XksProxyAuthenticationCredential",
    "XksProxyConnectivity",
)
# What UpdateCustomKeyStore may change while a store is connected (the operation's reference);
# every other property only while it is disconnected.
_CHANGEABLE_WHILE_CONNECTED = {
    CLOUDHSM: frozenset({"NewCustomKeyStoreName"}),
    EXTERNAL: frozenset(
        {"NewCustomKeyStoreName", "XksProxyAuthenticationCredential", "XksProxyUriPath"}
    ),
}


def find_store(context: RequestContext, store_id: str) -> CustomKeyStore:
    """The caller's custom key store ``store_id``, or AWS's CustomKeyStoreNotFoundException."""
    store = context.here.custom_key_stores.get(store_id)
    if store is None:
        raise KmsError(
            "CustomKeyStoreNotFoundException", f"Custom key store '{store_id}' does not exist."
        )
    return store


def invalid_state(store: CustomKeyStore, operation: str) -> KmsError:
    return KmsError(
        "CustomKeyStoreInvalidStateException",
        f"{operation} is not valid for custom key store {store.store_id} while its "
        f"ConnectionState is {store.connection_state}.",
    )


def _missing(member: str, store_type: str) -> KmsError:
    return KmsError(
        "ValidationException",
        f"{member} is required for custom key stores with CustomKeyStoreType {store_type}.",
    )


def _not_valid(member: str, store_type: str) -> KmsError:
    return KmsError(
        "ValidationException",
        f"{member} is not valid for custom key stores with CustomKeyStoreType {store_type}.",
    )


def _require_name_free(where: RegionState, name: str, store_id: str | None = None) -> None:
    for other in where.custom_key_stores.values():
        if other.name == name and other.store_id != store_id:
            raise KmsError(
                "CustomKeyStoreNameInUseException",
                f"Custom key store name '{name}' is already in use in this account and Region.",
            )


def _require_cluster_free(where: RegionState, cluster_id: str, store_id: str | None) -> None:
    for other in where.custom_key_stores.values():
        if other.cluster_id == cluster_id and other.store_id != store_id:
            raise KmsError(
                "CloudHsmClusterInUseException",
                f"CloudHSM cluster {cluster_id} is already associated with custom key store "
                f"{other.store_id}.",
            )


def _require_proxy_free(where: RegionState, store: CustomKeyStore) -> None:
    """The uniqueness rules of XksProxyUriEndpoint, XksProxyUriPath and the VPC endpoint
    service (CreateCustomKeyStore's reference), checked against every other external store."""
    for other in where.custom_key_stores.values():
        if other.store_id == store.store_id or other.store_type != EXTERNAL:
            continue
        if (other.uri_endpoint, other.uri_path) == (store.uri_endpoint, store.uri_path):
            raise KmsError(
                "XksProxyUriInUseException",
                f"{store.uri_endpoint}{store.uri_path} is already associated with external "
                f"key store {other.store_id}.",
            )
        # A VPC endpoint service store needs a private DNS name of its own, and a public
        # endpoint cannot be the private DNS name of such a store.
        vpc = VPC_ENDPOINT_SERVICE in (store.connectivity, other.connectivity)
        if vpc and other.uri_endpoint == store.uri_endpoint:
            raise KmsError(
                "XksProxyUriEndpointInUseException",
                f"{store.uri_endpoint} is already associated with external key store "
                f"{other.store_id}.",
            )
        if store.vpc_service_name is not None and other.vpc_service_name == (
            store.vpc_service_name
        ):
            raise KmsError(
                "XksProxyVpcEndpointServiceInUseException",
                f"{store.vpc_service_name} is already associated with external key store "
                f"{other.store_id}.",
            )


_VPC_STORES = f"{EXTERNAL} and XksProxyConnectivity {VPC_ENDPOINT_SERVICE}"
_PUBLIC_STORES = f"{EXTERNAL} and XksProxyConnectivity {PUBLIC_ENDPOINT}"


def _apply_credential(store: CustomKeyStore, credential: dict[str, str]) -> None:
    store.access_key_id = credential["AccessKeyId"]
    store.secret_access_key = credential["RawSecretAccessKey"]


def _check_xks_connectivity(store: CustomKeyStore, context: RequestContext) -> None:
    if store.connectivity == VPC_ENDPOINT_SERVICE:
        if store.vpc_service_name is None:
            raise _missing("XksProxyVpcEndpointServiceName", _VPC_STORES)
        if store.vpc_service_owner is None:
            store.vpc_service_owner = context.account
    elif store.vpc_service_name is not None or store.vpc_service_owner is not None:
        member = (
            "XksProxyVpcEndpointServiceName"
            if store.vpc_service_name is not None
            else "XksProxyVpcEndpointServiceOwner"
        )
        raise _not_valid(member, _PUBLIC_STORES)


@operation("CreateCustomKeyStore")
def create_custom_key_store(context: RequestContext, params: Params) -> Result:
    where = context.here
    store_type = params.get("CustomKeyStoreType", CLOUDHSM)
    store = CustomKeyStore(
        store_id=f"cks-{uuid.uuid4().hex[:17]}",
        name=params["CustomKeyStoreName"],
        store_type=store_type,
        created=context.now,
        seq=context.world.next_seq(),
    )
    if store_type == CLOUDHSM:
        for member in _XKS_MEMBERS:
            if member in params:
                raise _not_valid(member, CLOUDHSM)
        for member in _CLOUDHSM_MEMBERS:
            if member not in params:
                raise _missing(member, CLOUDHSM)
        store.cluster_id = params["CloudHsmClusterId"]
        store.trust_anchor = params["TrustAnchorCertificate"]
        store.password = params["KeyStorePassword"]
    else:
        for member in _CLOUDHSM_MEMBERS:
            if member in params:
                raise _not_valid(member, EXTERNAL)
        for member in (
            "XksProxyUriEndpoint",
            "XksProxyUriPath",
            "XksProxyAuthenticationCredential",
            "XksProxyConnectivity",
        ):
            if member not in params:
                raise _missing(member, EXTERNAL)
        store.connectivity = params["XksProxyConnectivity"]
        store.uri_endpoint = params["XksProxyUriEndpoint"]
        store.uri_path = params["XksProxyUriPath"]
        store.vpc_service_name = params.get("XksProxyVpcEndpointServiceName")
        store.vpc_service_owner = params.get("XksProxyVpcEndpointServiceOwner")
        _apply_credential(store, params["XksProxyAuthenticationCredential"])
        _check_xks_connectivity(store, context)
    _require_name_free(where, store.name)
    if store.cluster_id is not None:
        _require_cluster_free(where, store.cluster_id, None)
    if store_type == EXTERNAL:
        _require_proxy_free(where, store)
    limit = context.world.settings.limits.custom_key_stores_per_region
    if len(where.custom_key_stores) >= limit:
        raise KmsError(
            "LimitExceededException",
            f"This account and Region already have {limit} custom key stores, the most AWS allows.",
        )
    where.custom_key_stores[store.store_id] = store
    return {"CustomKeyStoreId": store.store_id}


def _entry(store: CustomKeyStore) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "CustomKeyStoreId": store.store_id,
        "CustomKeyStoreName": store.name,
        "ConnectionState": store.connection_state,
        "ConnectionErrorCode": store.connection_error,
        "CreationDate": store.created,
        "CustomKeyStoreType": store.store_type,
    }
    if store.store_type == CLOUDHSM:
        entry["CloudHsmClusterId"] = store.cluster_id
        entry["TrustAnchorCertificate"] = store.trust_anchor
    else:
        proxy = {
            "Connectivity": store.connectivity,
            "AccessKeyId": store.access_key_id,
            "UriEndpoint": store.uri_endpoint,
            "UriPath": store.uri_path,
            "VpcEndpointServiceName": store.vpc_service_name,
            "VpcEndpointServiceOwner": store.vpc_service_owner,
        }
        # Absent members left out here: the serializer's fast path for all-string structures
        # fails on None values (protocol/serialize.py, as_is).
        entry["XksProxyConfiguration"] = {k: v for k, v in proxy.items() if v is not None}
    return entry


def _creation_order(store: CustomKeyStore) -> int:
    return store.seq


@operation("DescribeCustomKeyStores")
def describe_custom_key_stores(context: RequestContext, params: Params) -> Result:
    store_id = params.get("CustomKeyStoreId")
    name = params.get("CustomKeyStoreName")
    if store_id is not None and name is not None:
        raise KmsError(
            "ValidationException",
            "You cannot specify both CustomKeyStoreId and CustomKeyStoreName in the same request.",
        )
    stores = context.here.custom_key_stores
    if store_id is not None:
        chosen = [find_store(context, store_id)]
    elif name is not None:
        chosen = [s for s in stores.values() if s.name == name]
        if not chosen:
            raise KmsError(
                "CustomKeyStoreNotFoundException",
                f"Custom key store named '{name}' does not exist.",
            )
    else:
        chosen = sorted(stores.values(), key=_creation_order)
    chunk, paging = page(chosen, params, "DescribeCustomKeyStores", key=_creation_order)
    return {"CustomKeyStores": [_entry(s) for s in chunk], **paging}


@operation("UpdateCustomKeyStore")
def update_custom_key_store(context: RequestContext, params: Params) -> Result:
    where = context.here
    store = find_store(context, params["CustomKeyStoreId"])
    kind = store.store_type
    foreign = _XKS_MEMBERS if kind == CLOUDHSM else ("CloudHsmClusterId", "KeyStorePassword")
    for member in foreign:
        if member in params:
            raise _not_valid(member, kind)
    changes = {name for name in params if name != "CustomKeyStoreId"}
    live = store.connection_state in (CONNECTED, DISCONNECTED)
    if not live or (
        store.connection_state != DISCONNECTED and changes - _CHANGEABLE_WHILE_CONNECTED[kind]
    ):
        raise invalid_state(store, "UpdateCustomKeyStore")
    # Check every new value against a copy, so a refused update changes nothing.
    updated = dataclasses.replace(store)
    updated.name = params.get("NewCustomKeyStoreName", store.name)
    if kind == CLOUDHSM:
        updated.cluster_id = params.get("CloudHsmClusterId", store.cluster_id)
        updated.password = params.get("KeyStorePassword", store.password)
    else:
        connectivity = params.get("XksProxyConnectivity", store.connectivity)
        if connectivity != store.connectivity:
            # The reference: changing the connectivity needs a new endpoint too; going public
            # drops the VPC endpoint service.
            if "XksProxyUriEndpoint" not in params:
                raise KmsError(
                    "ValidationException",
                    "You must specify a new XksProxyUriEndpoint when you change the "
                    "XksProxyConnectivity.",
                )
            if connectivity == PUBLIC_ENDPOINT:
                updated.vpc_service_name = updated.vpc_service_owner = None
        updated.connectivity = connectivity
        updated.uri_endpoint = params.get("XksProxyUriEndpoint", store.uri_endpoint)
        updated.uri_path = params.get("XksProxyUriPath", store.uri_path)
        if "XksProxyVpcEndpointServiceName" in params:
            updated.vpc_service_name = params["XksProxyVpcEndpointServiceName"]
        if "XksProxyVpcEndpointServiceOwner" in params:
            updated.vpc_service_owner = params["XksProxyVpcEndpointServiceOwner"]
        if "XksProxyAuthenticationCredential" in params:
            _apply_credential(updated, params["XksProxyAuthenticationCredential"])
        _check_xks_connectivity(updated, context)
    _require_name_free(where, updated.name, store.store_id)
    if kind == CLOUDHSM and updated.cluster_id is not None:
        _require_cluster_free(where, updated.cluster_id, store.store_id)
    if kind == EXTERNAL:
        _require_proxy_free(where, updated)
    # Keys hold their store: the update is copied into that one object.
    for slot in dataclasses.fields(store):
        setattr(store, slot.name, getattr(updated, slot.name))
    return {}


@operation("ConnectCustomKeyStore")
def connect_custom_key_store(context: RequestContext, params: Params) -> Result:
    store = find_store(context, params["CustomKeyStoreId"])
    if store.connection_state not in (CONNECTED, DISCONNECTED):
        raise invalid_state(store, "ConnectCustomKeyStore")
    if store.connection_state == CONNECTED:
        return {}  # already connected: AWS answers success and nothing changes
    fault = context.world.custom_key_store_faults.get(store.store_id)
    if fault is not None:
        # KmsMock.break_custom_key_store checks the code; only a fault written straight into
        # the world can be of the other kind of store (the test of usage errors raised
        # inside a request relies on it).
        if fault not in CONNECTION_ERRORS[store.store_type]:
            raise KmsMockUsageError(
                f"custom_key_store_faults[{store.store_id!r}] is {fault!r}, which is not a "
                f"ConnectionErrorCode of {store.store_type} stores; use one of "
                f"{sorted(CONNECTION_ERRORS[store.store_type])}"
            )
        store.connection_state = FAILED
        store.connection_error = fault
        return {}
    # AWS takes minutes through CONNECTING; the mock is connected when the call returns.
    store.connection_state = CONNECTED
    store.connection_error = None
    return {}


@operation("DisconnectCustomKeyStore")
def disconnect_custom_key_store(context: RequestContext, params: Params) -> Result:
    store = find_store(context, params["CustomKeyStoreId"])
    if store.connection_state == DISCONNECTED:
        raise invalid_state(store, "DisconnectCustomKeyStore")
    store.connection_state = DISCONNECTED
    store.connection_error = None
    return {}


@operation("DeleteCustomKeyStore")
def delete_custom_key_store(context: RequestContext, params: Params) -> Result:
    where = context.here
    store = find_store(context, params["CustomKeyStoreId"])
    if store.connection_state != DISCONNECTED:
        raise invalid_state(store, "DeleteCustomKeyStore")
    # Keys deleted since they were created (their waiting period over) no longer count.
    store.key_ids = {key_id: None for key_id in store.key_ids if key_id in where.keys}
    if store.key_ids:
        raise KmsError(
            "CustomKeyStoreHasCMKsException",
            f"Custom key store {store.store_id} contains KMS keys. Delete them with "
            "ScheduleKeyDeletion before you delete the custom key store.",
        )
    del where.custom_key_stores[store.store_id]
    return {}
