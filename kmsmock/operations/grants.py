"""Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant.

Grants are stored, listed and removed with AWS's validation; backend/authorize.py decides
with them. A grant may name an AWS service principal as its grantee (with a SourceArn
constraint): kmsmock stores and lists it, but no caller it serves acts as a service principal
or for a resource, so such a grant allows nothing here.

Texts marked "not recorded" below are kmsmock's wording: no recording of AWS's was found.
"""

from __future__ import annotations

import re
from typing import Any

from kmsmock.backend import grant_tokens
from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keys import EQUALS, SUBSET, TAKES_CONTEXT, Grant, Key
from kmsmock.backend.keystate import require_customer_managed, require_usable
from kmsmock.backend.pagination import page, page_from
from kmsmock.errors import KmsError
from kmsmock.operations.encryption import check_dry_run
from kmsmock.operations.table import Params, Result, operation

_GRANT_ID = re.compile(r"[0-9a-f]{64}")
_COMMON = frozenset({"CreateGrant", "RetireGrant", "DescribeKey"})
_SYMMETRIC = TAKES_CONTEXT
# The grant operations each kind of key supports (CreateGrant API reference): a grant for an
# operation its key cannot do fails.
_RSA_ENCRYPTION = frozenset({"Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey"})
_SIGNING = frozenset({"Sign", "Verify", "GetPublicKey"})
_MAC = frozenset({"GenerateMac", "VerifyMac"})
_AGREEMENT = frozenset({"DeriveSharedSecret", "GetPublicKey"})
# ML-KEM keys (only in botocore models whose GrantOperation enum has the two operations).
_ENCAPSULATION = frozenset({"Encapsulate", "Decapsulate", "GetPublicKey"})
MAX_CONTEXT_PAIRS = 8
MAX_CONTEXT_VALUE = 384
LIST_LIMIT = 100
LIST_DEFAULT = 50


def _supported(key: Key) -> frozenset[str]:
    if key.key_spec == "SYMMETRIC_DEFAULT":
        return _SYMMETRIC | _COMMON
    usage = key.key_usage
    if usage == "GENERATE_VERIFY_MAC":
        return _MAC | _COMMON
    if usage == "SIGN_VERIFY":
        return _SIGNING | _COMMON
    if usage == "KEY_AGREEMENT":
        return _AGREEMENT | _COMMON
    if usage == "ENCAPSULATE_DECAPSULATE":
        return _ENCAPSULATION | _COMMON
    return _RSA_ENCRYPTION | _COMMON


def _validation(message: str) -> KmsError:
    return KmsError("ValidationException", message)


def checked_operations(key: Key, requested: list[str]) -> tuple[str, ...]:
    """A grant's operations as CreateGrant checks them for ``key`` (a seed file's too)."""
    operations = tuple(dict.fromkeys(requested))  # AWS keeps a set; the first order is kept
    if not operations:
        raise _validation("Grants must contain at least one operation.")  # not recorded
    if operations == ("CreateGrant",):
        # Recorded from AWS (ansible/ansible#31960).
        raise _validation("Grants must not contain only the CreateGrant operation.")
    unsupported = [op for op in operations if op not in _supported(key)]
    if unsupported:
        raise _validation(  # not recorded
            f"Grant operations {', '.join(unsupported)} are not supported for a KMS key with "
            f"KeySpec {key.key_spec} and KeyUsage {key.key_usage}."
        )
    return operations


def checked_constraints(
    key: Key, operations: tuple[str, ...], given: dict[str, Any] | None
) -> dict[str, dict[str, str]] | None:
    """A grant's constraints as CreateGrant checks them (a seed file's too); None if none."""
    # An empty map is no constraint (as AWS documents for the same structure elsewhere).
    chosen = {kind: dict(given[kind]) for kind in (EQUALS, SUBSET) if given and given.get(kind)}
    if not chosen:
        return None
    if len(chosen) > 1:
        # AWS's text, as terraform-provider-aws quotes it (internal/service/kms/grant.go).
        raise _validation("More than one constraint supplied")
    (context,) = chosen.values()
    if len(context) > MAX_CONTEXT_PAIRS:
        raise _validation(  # not recorded
            f"A grant constraint cannot have more than {MAX_CONTEXT_PAIRS} encryption "
            "context pairs."
        )
    if any(len(value) > MAX_CONTEXT_VALUE for value in context.values()):
        raise _validation(  # not recorded
            f"A grant constraint value cannot exceed {MAX_CONTEXT_VALUE} characters."
        )
    if key.key_spec != "SYMMETRIC_DEFAULT":
        # Asymmetric and HMAC keys take no encryption context; a constrained grant may still
        # allow the operations a constraint does not apply to.
        refused = [op for op in operations if op not in _COMMON]
        if refused:
            raise _validation(  # not recorded
                "Encryption context grant constraints are not supported for grant operations "
                f"{', '.join(refused)} on a KMS key with KeySpec {key.key_spec}."
            )
    return chosen


def _invalid_token() -> KmsError:
    # The model's description of the exception; AWS's own text is not recorded.
    return KmsError("InvalidGrantTokenException", "The grant token is not valid.")


def _invalid_grant_id(grant_id: str) -> KmsError:
    return KmsError("InvalidGrantIdException", f"Invalid grantId '{grant_id}'")  # not recorded


def _grant_not_found(grant_id: str) -> KmsError:
    # The code terraform-provider-aws handles for a grant already gone; the text not recorded.
    return KmsError("NotFoundException", f"Grant ID {grant_id} not found")


def _check_grant_id(grant_id: str) -> None:
    if not _GRANT_ID.fullmatch(grant_id):
        raise _invalid_grant_id(grant_id)


def _principals(params: Params) -> tuple[str | None, str | None, str | None, str | None]:
    """(grantee, grantee service principal, retiring, retiring service principal), checked as
    the CreateGrant reference states the rules (AWS's own texts are not recorded: these are
    the reference's sentences)."""
    grantee, service = params.get("GranteePrincipal"), params.get("GranteeServicePrincipal")
    retiring = params.get("RetiringPrincipal")
    retiring_service = params.get("RetiringServicePrincipal")
    if (grantee is None) == (service is None):
        raise _validation(
            "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both."
        )
    if retiring is not None and retiring_service is not None:
        raise _validation(
            "You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both."
        )
    if service is not None:
        if not (params.get("Constraints") or {}).get("SourceArn"):
            raise _validation(
                "When you specify a GranteeServicePrincipal, you must also specify a SourceArn "
                "grant constraint."
            )
        if retiring is None and retiring_service is None:
            raise _validation(
                "When you specify a GranteeServicePrincipal, you must also specify either a "
                "RetiringPrincipal or a RetiringServicePrincipal."
            )
    return grantee, service, retiring, retiring_service


@operation("CreateGrant")
def create_grant(context: RequestContext, params: Params) -> Result:
    grantee, service, retiring, retiring_service = _principals(params)
    key = resolve_key(context, params["KeyId"])
    require_customer_managed(context, key)
    require_usable(key, context.operation)
    operations = checked_operations(key, params["Operations"])
    constraints = checked_constraints(key, operations, params.get("Constraints"))
    grant = Grant(
        grant_id="",
        key_arn=key.arn,
        seq=0,
        created=context.now,
        grantee_principal=grantee,
        # The key's account, whoever asks (AWS names the account the grant is issued in).
        issuing_account=f"arn:{key.partition}:iam::{key.account}:root",
        operations=operations,
        name=params.get("Name"),
        retiring_principal=retiring,
        constraints=constraints,
        grantee_service_principal=service,
        retiring_service_principal=retiring_service,
        source_arn=(params.get("Constraints") or {}).get("SourceArn"),
    )
    held = key.grants or {}
    if grant.name is not None:
        for same in held.values():
            if same.name == grant.name and same.same_request(grant):
                check_dry_run(params)
                # The same grant, with a new token (AWS's are unique per request).
                token = grant_tokens.encode_token(context.world, key, same.grant_id)
                return {"GrantToken": token, "GrantId": same.grant_id}
    limit = context.world.settings.limits.grants_per_key
    if len(held) >= limit:
        raise KmsError(  # not recorded
            "LimitExceededException",
            f"The request was rejected because {key.arn} has the maximum number of grants "
            f"({limit}).",
        )
    check_dry_run(params)
    grant.grant_id = grant_tokens.new_grant_id()
    grant.seq = context.world.next_seq()
    if key.grants is None:
        key.grants = {}
    key.grants[grant.grant_id] = grant
    token = grant_tokens.encode_token(context.world, key, grant.grant_id)
    return {"GrantToken": token, "GrantId": grant.grant_id}


def _seq(grant: Grant) -> int:
    return grant.seq


@operation("ListGrants")
def list_grants(context: RequestContext, params: Params) -> Result:
    key = resolve_key(context, params["KeyId"])
    grant_id = params.get("GrantId")
    if grant_id is not None:
        _check_grant_id(grant_id)
    grantee = params.get("GranteePrincipal")
    service = params.get("GranteeServicePrincipal")
    if grantee is not None and service is not None:
        raise _validation(  # the reference's sentence; AWS's text is not recorded
            "You can specify either GranteePrincipal or GranteeServicePrincipal, but not both."
        )
    grants = [
        grant
        for grant in (key.grants or {}).values()
        if (grant_id is None or grant.grant_id == grant_id)
        and (grantee is None or grant.grantee_principal == grantee)
        and (service is None or grant.grantee_service_principal == service)
    ]
    chunk, paging = page(
        grants,
        params,
        "ListGrants",
        key=_seq,
        default_limit=LIST_DEFAULT,
        max_limit=LIST_LIMIT,
    )
    return {"Grants": [grant.entry() for grant in chunk], **paging}


@operation("ListRetirableGrants")
def list_retirable_grants(context: RequestContext, params: Params) -> Result:
    retiring = params.get("RetiringPrincipal")
    service = params.get("RetiringServicePrincipal")
    if (retiring is None) == (service is None):
        raise _validation(  # the reference's sentence; AWS's text is not recorded
            "You must specify either RetiringPrincipal or RetiringServicePrincipal, but not both."
        )
    grants = sorted(
        (
            grant
            for key in context.here.keys.values()
            if key.grants
            for grant in key.grants.values()
            if (retiring is not None and grant.retiring_principal == retiring)
            or (service is not None and grant.retiring_service_principal == service)
        ),
        key=_seq,
    )

    def seek(after: Any) -> Any:
        return iter([grant for grant in grants if after is None or grant.seq > after])

    chunk, paging = page_from(
        seek,
        params,
        "ListRetirableGrants",
        key=_seq,
        default_limit=LIST_DEFAULT,
        max_limit=LIST_LIMIT,
    )
    return {"Grants": [grant.entry() for grant in chunk], **paging}


def _remove(key: Key, grant_id: str) -> None:
    grants = key.grants
    if grants is None or grant_id not in grants:
        raise _grant_not_found(grant_id)
    del grants[grant_id]
    if not grants:
        key.grants = None


@operation("RevokeGrant")
def revoke_grant(context: RequestContext, params: Params) -> Result:
    # Works on AWS managed keys too: their policy lets the account revoke grants.
    key = resolve_key(context, params["KeyId"])
    grant_id = params["GrantId"]
    _check_grant_id(grant_id)
    if not key.grants or grant_id not in key.grants:
        raise _grant_not_found(grant_id)
    check_dry_run(params)
    _remove(key, grant_id)
    return {}


@operation("RetireGrant")
def retire_grant(context: RequestContext, params: Params) -> Result:
    token = params.get("GrantToken")
    if token is not None:
        key, grant_id = _by_token(context, token)
    else:
        key_id, given_id = params.get("KeyId"), params.get("GrantId")
        if key_id is None or given_id is None:
            # LocalStack's text (not recorded from AWS).
            raise _validation("Grant token OR (grant ID, key ID) must be specified")
        key, grant_id = resolve_key(context, key_id, authorize=False), str(given_id)
        _check_grant_id(grant_id)
    if not key.grants or grant_id not in key.grants:
        raise _grant_not_found(grant_id)
    _require_may_retire(context, key, key.grants[grant_id])
    check_dry_run(params)
    _remove(key, grant_id)
    return {}


def _require_may_retire(context: RequestContext, key: Key, grant: Grant) -> None:
    """Who may retire a grant is the grant's to say, not a policy's (grant-delete.html): its
    retiring principal, its grantee when the grant allows RetireGrant, and the account the
    grant was issued in."""
    if not context.world.access.enforce:
        return
    caller = context.who
    me = {caller.arn, caller.principal_arn}
    grantee_may = "RetireGrant" in grant.operations and grant.grantee_principal in me
    issuer = caller.is_root and caller.root_arn == grant.issuing_account
    if grant.retiring_principal in me or grantee_may or issuer:
        return
    # AWS's text for this refusal is not recorded: the usual implicit-deny wording.
    raise KmsError(
        "AccessDeniedException",
        f"User: {caller.arn} is not authorized to perform: kms:RetireGrant on resource: "
        f"{key.arn} because no resource-based policy allows the kms:RetireGrant action",
    )


def _by_token(context: RequestContext, token: str) -> tuple[Key, str]:
    ref = grant_tokens.decode_token(context.world, token)
    if ref is None or ref.region != context.region:
        raise _invalid_token()
    where = context.world.regions.get((ref.account, ref.region))
    key = where.keys.get(ref.key_id) if where is not None else None
    if key is None:
        raise _grant_not_found(ref.grant_id)
    context.world.touch(key)  # found by its grant's token, not resolved (World.touch)
    return key, ref.grant_id
