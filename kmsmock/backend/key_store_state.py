"""Custom key stores (CloudHSM and external) and how they make their keys unavailable.

A store is a small state machine: DISCONNECTED when created; ConnectCustomKeyStore takes it
to CONNECTED (AWS passes through CONNECTING for minutes; the mock completes connecting within
the call, so CONNECTING is never observed) or to FAILED with a ConnectionErrorCode;
DisconnectCustomKeyStore takes it back to DISCONNECTED (DISCONNECTING is never observed
either).

A key in a store keeps its own state (Enabled, Disabled, PendingDeletion); the state AWS
*reports* for it is derived from its store whenever something looks (``reported_state``), so
connecting or disconnecting a store never visits its keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

CLOUDHSM = "AWS_CLOUDHSM"
EXTERNAL = "EXTERNAL_KEY_STORE"
CONNECTED = "CONNECTED"
DISCONNECTED = "DISCONNECTED"
FAILED = "FAILED"
PUBLIC_ENDPOINT = "PUBLIC_ENDPOINT"
VPC_ENDPOINT_SERVICE = "VPC_ENDPOINT_SERVICE"

# The ConnectionErrorCode values the model documents for each kind of store (the API
# reference's CustomKeyStoresListEntry): a fault set with ``KmsMock.break_custom_key_store``
# (kept in ``World.custom_key_store_faults``) must be one of its store's kind.
_ANY_STORE = frozenset({"INTERNAL_ERROR", "NETWORK_ERRORS"})
CONNECTION_ERRORS: dict[str, frozenset[str]] = {
    CLOUDHSM: _ANY_STORE
    | {
        "CLUSTER_NOT_FOUND",
        "INSUFFICIENT_CLOUDHSM_HSMS",
        "INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET",
        "INVALID_CREDENTIALS",
        "SUBNET_NOT_FOUND",
        "USER_LOCKED_OUT",
        "USER_LOGGED_IN",
        "USER_NOT_FOUND",
    },
    EXTERNAL: _ANY_STORE
    | {
        "INVALID_CREDENTIALS",
        "XKS_PROXY_ACCESS_DENIED",
        "XKS_PROXY_INVALID_CONFIGURATION",
        "XKS_PROXY_INVALID_RESPONSE",
        "XKS_PROXY_INVALID_TLS_CONFIGURATION",
        "XKS_PROXY_NOT_REACHABLE",
        "XKS_PROXY_TIMED_OUT",
        "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION",
        "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND",
    },
}

# Key states that a disconnected store hides behind Unavailable. A key pending deletion stays
# PendingDeletion (key-state.html, footnote 13), so its deletion can always be cancelled.
_HIDDEN_WHILE_UNAVAILABLE = frozenset({"Enabled", "Disabled"})


@dataclass(slots=True)
class CustomKeyStore:
    store_id: str
    name: str
    store_type: str  # AWS_CLOUDHSM or EXTERNAL_KEY_STORE
    created: datetime
    seq: int  # creation order, for DescribeCustomKeyStores' paging
    connection_state: str = DISCONNECTED
    connection_error: str | None = None  # ConnectionErrorCode, while FAILED
    # AWS_CLOUDHSM
    cluster_id: str | None = None
    trust_anchor: str | None = None
    password: str | None = None
    # EXTERNAL_KEY_STORE
    connectivity: str | None = None
    uri_endpoint: str | None = None
    uri_path: str | None = None
    vpc_service_name: str | None = None
    vpc_service_owner: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    # The IDs of the keys created in the store, and the external key each XKS key uses. A key
    # deleted since is still listed here: readers check it against the region's keys (the
    # deletion happens in the lifecycle step, which knows nothing of stores).
    key_ids: dict[str, None] = field(default_factory=dict)
    xks_keys: dict[str, str] = field(default_factory=dict)  # XksKeyId -> key ID

    @property
    def connected(self) -> bool:
        return self.connection_state == CONNECTED

    def copy(self) -> CustomKeyStore:
        return replace(self, key_ids=dict(self.key_ids), xks_keys=dict(self.xks_keys))


def reported_state(store: CustomKeyStore | None, state: str) -> str:
    """The KeyState AWS reports for a key in ``state`` whose custom key store is ``store``:
    Unavailable while the store is not connected (unless the key is pending deletion), its
    own state otherwise."""
    if store is not None and not store.connected and state in _HIDDEN_WHILE_UNAVAILABLE:
        return "Unavailable"
    return state
