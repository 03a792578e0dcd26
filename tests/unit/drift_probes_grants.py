"""Probes of the grant and custom key store operations (drift_survey.py says what a probe is)."""

from __future__ import annotations

from typing import Any

from drift_survey import (
    ABSENT,
    ACCOUNT,
    KEEP,
    Ctx,
    Differs,
    Observe,
    Outcome,
    base,
    probe,
    then,
)

from kmsmock.persist import world_to_document

ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/batch"
SERVICE = "s3.amazonaws.com"
SOURCE = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:orders"
CONTEXT = {"purpose": "drift"}
MISSING_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/00000000-0000-4000-8000-000000000000"
MISSING_GRANT = "0" * 64


def _grant_field(*path: str) -> Observe:
    def look(ctx: Ctx, outcome: Outcome) -> Any:
        grants = ctx.client().list_grants(KeyId=outcome.request["KeyId"])["Grants"]
        found: Any = grants[0]
        for step in path:
            found = found.get(step) if isinstance(found, dict) else None
        return found

    return then(look)


def _count(member: str) -> Observe:
    return then(lambda ctx, outcome: len(outcome.response[member]))


# -- grants --------------------------------------------------------------------------------


@base("CreateGrant")
def _create_grant(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key(), "GranteePrincipal": ROLE, "Operations": ["Encrypt"]}


def _constrained(kind: str) -> Any:
    return lambda ctx: {**_create_grant(ctx), "Constraints": {kind: CONTEXT}}


def _for_service(ctx: Ctx) -> dict[str, Any]:
    return {
        "KeyId": ctx.key(),
        "GranteeServicePrincipal": SERVICE,
        "RetiringServicePrincipal": SERVICE,
        "Operations": ["Encrypt"],
        "Constraints": {"SourceArn": SOURCE},
    }


probe("CreateGrant.GranteePrincipal", Differs(KEEP, OTHER_ROLE, _grant_field("GranteePrincipal")))
probe("CreateGrant.RetiringPrincipal", Differs(ABSENT, ROLE, _grant_field("RetiringPrincipal")))
probe("CreateGrant.Operations", Differs(KEEP, ["Decrypt"], _grant_field("Operations")))
probe(
    "CreateGrant.Constraints",
    Differs(ABSENT, {"EncryptionContextSubset": CONTEXT}, _grant_field("Constraints")),
)
probe(
    "CreateGrant.Constraints.EncryptionContextSubset",
    Differs(
        KEEP, {"team": "a"}, _grant_field("Constraints"), _constrained("EncryptionContextSubset")
    ),
)
probe(
    "CreateGrant.Constraints.EncryptionContextEquals",
    Differs(
        KEEP, {"team": "a"}, _grant_field("Constraints"), _constrained("EncryptionContextEquals")
    ),
)
probe(
    "CreateGrant.Constraints.SourceArn",
    Differs(KEEP, ABSENT, setup=_for_service),  # a service principal's grant needs one
)
probe("CreateGrant.Name", Differs(ABSENT, "orders", _grant_field("Name")))
probe(
    "CreateGrant.GranteeServicePrincipal",
    Differs(KEEP, "logs.amazonaws.com", _grant_field("GranteeServicePrincipal"), _for_service),
)
probe(
    "CreateGrant.RetiringServicePrincipal",
    Differs(KEEP, "logs.amazonaws.com", _grant_field("RetiringServicePrincipal"), _for_service),
)


def _two_grants(ctx: Ctx, **extra: Any) -> str:
    key_id = ctx.key()
    for grantee in (ROLE, OTHER_ROLE):
        made = ctx.client().create_grant(
            KeyId=key_id, GranteePrincipal=grantee, Operations=["Encrypt"], **extra
        )
        ctx.memo.setdefault("grant_id", made["GrantId"])
    return key_id


@base("ListGrants")
def _list_grants(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": _two_grants(ctx)}


probe("ListGrants.GrantId", Differs(ABSENT, lambda ctx: ctx.memo["grant_id"], _count("Grants")))
probe("ListGrants.GranteePrincipal", Differs(ABSENT, ROLE, _count("Grants")))
probe("ListGrants.GranteeServicePrincipal", Differs(ABSENT, SERVICE, _count("Grants")))


@base("ListRetirableGrants")
def _list_retirable_grants(ctx: Ctx) -> dict[str, Any]:
    _two_grants(ctx, RetiringPrincipal=ROLE)
    return {"RetiringPrincipal": ROLE}


probe("ListRetirableGrants.RetiringPrincipal", Differs(KEEP, OTHER_ROLE, _count("Grants")))


def _retirable_by_service(ctx: Ctx) -> dict[str, Any]:
    ctx.client().create_grant(**_for_service(ctx))
    return {"RetiringServicePrincipal": SERVICE}


probe(
    "ListRetirableGrants.RetiringServicePrincipal",
    Differs(KEEP, "logs.amazonaws.com", _count("Grants"), _retirable_by_service),
)


@base("RetireGrant")
def _retire_grant(ctx: Ctx) -> dict[str, Any]:
    made = ctx.client().create_grant(**_create_grant(ctx))
    return {"GrantToken": made["GrantToken"]}


def _retire_by_id(ctx: Ctx) -> dict[str, Any]:
    request = _create_grant(ctx)
    made = ctx.client().create_grant(**request)
    return {"KeyId": request["KeyId"], "GrantId": made["GrantId"]}


probe("RetireGrant.GrantToken", Differs(KEEP, "bogus-token"))
probe("RetireGrant.KeyId", Differs(KEEP, MISSING_KEY, setup=_retire_by_id))
probe("RetireGrant.GrantId", Differs(KEEP, MISSING_GRANT, setup=_retire_by_id))


@base("RevokeGrant")
def _revoke_grant(ctx: Ctx) -> dict[str, Any]:
    return _retire_by_id(ctx)


probe("RevokeGrant.GrantId", Differs(KEEP, MISSING_GRANT))


# -- custom key stores ---------------------------------------------------------------------

CERT = "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----"
OTHER_CERT = "-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----"
CREDENTIAL = {"AccessKeyId": "ABCDEFGHIJKLMNOPQRST", "RawSecretAccessKey": "a" * 43}
OTHER_CREDENTIAL = {"AccessKeyId": "TSRQPONMLKJIHGFEDCBA", "RawSecretAccessKey": "b" * 43}
VPC_SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
OTHER_VPC_SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210"
MISSING_STORE = "cks-1234567890abcdef0"


def cloudhsm(name: str = "hsm", cluster: str = "cluster-abcdefghijk") -> dict[str, Any]:
    return {
        "CustomKeyStoreName": name,
        "CloudHsmClusterId": cluster,
        "TrustAnchorCertificate": CERT,
        "KeyStorePassword": "kmsuser-password",
    }


def xks(name: str = "xks", **extra: Any) -> dict[str, Any]:
    return {
        "CustomKeyStoreName": name,
        "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
        "XksProxyUriEndpoint": "https://xks.example.com",
        "XksProxyUriPath": "/kms/xks/v1",
        "XksProxyAuthenticationCredential": CREDENTIAL,
        "XksProxyConnectivity": "PUBLIC_ENDPOINT",
        **extra,
    }


def vpc_xks(name: str = "xks") -> dict[str, Any]:
    return xks(
        name,
        XksProxyUriEndpoint="https://xks.internal.example.com",
        XksProxyConnectivity="VPC_ENDPOINT_SERVICE",
        XksProxyVpcEndpointServiceName=VPC_SERVICE,
    )


def _store_id(ctx: Ctx, outcome: Outcome) -> str:
    found: str = outcome.response.get("CustomKeyStoreId") or outcome.request["CustomKeyStoreId"]
    return found


def entry(*path: str) -> Observe:
    """The store's DescribeCustomKeyStores entry at ``path``."""

    def look(ctx: Ctx, outcome: Outcome) -> Any:
        stores = ctx.client().describe_custom_key_stores(CustomKeyStoreId=_store_id(ctx, outcome))
        found: Any = stores["CustomKeyStores"][0]
        for step in path:
            found = found.get(step) if isinstance(found, dict) else None
        return found

    return then(look)


def kept(name: str) -> Observe:
    """What the mock keeps of the store (its state file's ``name`` field): secrets no answer
    shows."""

    def look(ctx: Ctx, outcome: Outcome) -> Any:
        store_id = _store_id(ctx, outcome)
        stores = world_to_document(ctx.kms.world)["custom_key_stores"]
        return next(s for s in stores if s["id"] == store_id).get(name)

    return then(look)


def _store(ctx: Ctx, params: dict[str, Any], *, connected: bool = False) -> str:
    store_id: str = ctx.client().create_custom_key_store(**params)["CustomKeyStoreId"]
    if connected:
        ctx.client().connect_custom_key_store(CustomKeyStoreId=store_id)
    return store_id


@base("CreateCustomKeyStore")
def _create_custom_key_store(ctx: Ctx) -> dict[str, Any]:
    return cloudhsm()


def _beside(params: dict[str, Any]) -> Any:
    """CloudHSM store parameters, in a mock that already has a store made with ``params``."""

    def setup(ctx: Ctx) -> dict[str, Any]:
        _store(ctx, params)
        return cloudhsm()

    return setup


probe(
    "CreateCustomKeyStore.CustomKeyStoreName", Differs(KEEP, "taken", setup=_beside(xks("taken")))
)
probe(
    "CreateCustomKeyStore.CloudHsmClusterId",
    Differs(KEEP, "cluster-zzzzzzzzzzz", setup=_beside(cloudhsm("other", "cluster-zzzzzzzzzzz"))),
)
probe(
    "CreateCustomKeyStore.TrustAnchorCertificate",
    Differs(KEEP, OTHER_CERT, entry("TrustAnchorCertificate")),
)
probe("CreateCustomKeyStore.KeyStorePassword", Differs(KEEP, "other-password", kept("password")))
probe("CreateCustomKeyStore.CustomKeyStoreType", Differs(ABSENT, "EXTERNAL_KEY_STORE"))


def _xks(ctx: Ctx) -> dict[str, Any]:
    return xks()


def _vpc(ctx: Ctx) -> dict[str, Any]:
    return vpc_xks()


_PROXY = ("XksProxyConfiguration",)
for _member, _value, _observe, _setup in [
    ("XksProxyUriEndpoint", "https://other.example.com", entry(*_PROXY, "UriEndpoint"), _xks),
    ("XksProxyUriPath", "/orders/kms/xks/v1", entry(*_PROXY, "UriPath"), _xks),
    (
        "XksProxyVpcEndpointServiceName",
        OTHER_VPC_SERVICE,
        entry(*_PROXY, "VpcEndpointServiceName"),
        _vpc,
    ),
    ("XksProxyAuthenticationCredential", OTHER_CREDENTIAL, entry(*_PROXY, "AccessKeyId"), _xks),
    (
        "XksProxyAuthenticationCredential.AccessKeyId",
        OTHER_CREDENTIAL["AccessKeyId"],
        entry(*_PROXY, "AccessKeyId"),
        _xks,
    ),
    (
        "XksProxyAuthenticationCredential.RawSecretAccessKey",
        OTHER_CREDENTIAL["RawSecretAccessKey"],
        kept("secret_access_key"),
        _xks,
    ),
    ("XksProxyConnectivity", "VPC_ENDPOINT_SERVICE", entry(*_PROXY, "Connectivity"), _xks),
]:
    probe(f"CreateCustomKeyStore.{_member}", Differs(KEEP, _value, _observe, _setup))
probe(
    "CreateCustomKeyStore.XksProxyVpcEndpointServiceOwner",
    Differs(ABSENT, "111122223333", entry(*_PROXY, "VpcEndpointServiceOwner"), _vpc),
)


@base("UpdateCustomKeyStore")
def _update_custom_key_store(ctx: Ctx) -> dict[str, Any]:
    return {"CustomKeyStoreId": _store(ctx, xks())}


def _update_hsm(ctx: Ctx) -> dict[str, Any]:
    return {"CustomKeyStoreId": _store(ctx, cloudhsm())}


def _update_vpc(ctx: Ctx) -> dict[str, Any]:
    return {"CustomKeyStoreId": _store(ctx, vpc_xks())}


def _update_credential(ctx: Ctx) -> dict[str, Any]:
    return {**_update_custom_key_store(ctx), "XksProxyAuthenticationCredential": CREDENTIAL}


probe(
    "UpdateCustomKeyStore.NewCustomKeyStoreName",
    Differs(ABSENT, "renamed", entry("CustomKeyStoreName")),
)
probe(
    "UpdateCustomKeyStore.KeyStorePassword",
    Differs(ABSENT, "other-password", kept("password"), _update_hsm),
)
probe(
    "UpdateCustomKeyStore.CloudHsmClusterId",
    Differs(ABSENT, "cluster-zzzzzzzzzzz", entry("CloudHsmClusterId"), _update_hsm),
)
for _member, _value, _observe, _setup in [
    ("XksProxyUriEndpoint", "https://other.example.com", entry(*_PROXY, "UriEndpoint"), None),
    ("XksProxyUriPath", "/orders/kms/xks/v1", entry(*_PROXY, "UriPath"), None),
    (
        "XksProxyVpcEndpointServiceName",
        OTHER_VPC_SERVICE,
        entry(*_PROXY, "VpcEndpointServiceName"),
        _update_vpc,
    ),
    (
        "XksProxyVpcEndpointServiceOwner",
        "111122223333",
        entry(*_PROXY, "VpcEndpointServiceOwner"),
        _update_vpc,
    ),
    ("XksProxyAuthenticationCredential", OTHER_CREDENTIAL, entry(*_PROXY, "AccessKeyId"), None),
    ("XksProxyConnectivity", "VPC_ENDPOINT_SERVICE", entry(*_PROXY, "Connectivity"), None),
]:
    probe(f"UpdateCustomKeyStore.{_member}", Differs(ABSENT, _value, _observe, _setup))
probe(
    "UpdateCustomKeyStore.XksProxyAuthenticationCredential.AccessKeyId",
    Differs(KEEP, "TSRQPONMLKJIHGFEDCBA", entry(*_PROXY, "AccessKeyId"), _update_credential),
)
probe(
    "UpdateCustomKeyStore.XksProxyAuthenticationCredential.RawSecretAccessKey",
    Differs(KEEP, "b" * 43, kept("secret_access_key"), _update_credential),
)


@base("ConnectCustomKeyStore")
def _connect_custom_key_store(ctx: Ctx) -> dict[str, Any]:
    return {"CustomKeyStoreId": _store(ctx, cloudhsm())}


@base("DisconnectCustomKeyStore")
def _disconnect_custom_key_store(ctx: Ctx) -> dict[str, Any]:
    return {"CustomKeyStoreId": _store(ctx, cloudhsm(), connected=True)}


@base("DeleteCustomKeyStore")
def _delete_custom_key_store(ctx: Ctx) -> dict[str, Any]:
    return {"CustomKeyStoreId": _store(ctx, cloudhsm())}


@base("DescribeCustomKeyStores")
def _describe_custom_key_stores(ctx: Ctx) -> dict[str, Any]:
    ctx.memo["store_id"] = _store(ctx, cloudhsm())
    _store(ctx, xks())
    return {}


probe(
    "DescribeCustomKeyStores.CustomKeyStoreId",
    Differs(ABSENT, lambda ctx: ctx.memo["store_id"], _count("CustomKeyStores")),
)
probe(
    "DescribeCustomKeyStores.CustomKeyStoreName", Differs(ABSENT, "hsm", _count("CustomKeyStores"))
)


def _in_store(ctx: Ctx) -> dict[str, Any]:
    store_id = _store(ctx, cloudhsm(), connected=True)
    return {"CustomKeyStoreId": store_id, "Origin": "AWS_CLOUDHSM"}


def _in_external_store(ctx: Ctx) -> dict[str, Any]:
    store_id = _store(ctx, xks(), connected=True)
    return {"CustomKeyStoreId": store_id, "Origin": "EXTERNAL_KEY_STORE", "XksKeyId": "key-1"}


def _xks_key_id(ctx: Ctx, outcome: Outcome) -> Any:
    return outcome.response["KeyMetadata"]["XksKeyConfiguration"]["Id"]


probe("CreateKey.CustomKeyStoreId", Differs(KEEP, MISSING_STORE, setup=_in_store))
probe("CreateKey.XksKeyId", Differs(KEEP, "key-2", then(_xks_key_id), _in_external_store))
