"""Key policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies. AWS validates a policy when it
is set, stores the document as sent and returns it byte for byte; backend/authorize.py
evaluates it."""

from __future__ import annotations

from kmsmock.aws import json_depth
from kmsmock.backend.authorize import require_no_lockout
from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keystate import changeable_key
from kmsmock.backend.pagination import page
from kmsmock.errors import KmsError
from kmsmock.operations.table import Params, Result, operation

POLICY_NAME = "default"


def check_policy_document(
    context: RequestContext, policy: str, *, bypass_lockout_check: bool = False
) -> None:
    """AWS's checks on a key policy: the size quota, the policy grammar, and (unless bypassed)
    the lockout safety check, that the caller could still change the policy afterwards."""
    limit = context.world.settings.limits.key_policy_bytes
    if len(policy.encode()) > limit:
        raise KmsError(
            "LimitExceededException",
            f"The key policy size exceeds the maximum of {limit} bytes.",
        )
    try:
        document = json_depth.loads(policy)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        # AWS answers a document that is not JSON with an empty message.
        raise KmsError("MalformedPolicyDocumentException", "")
    from kmsmock.policy.document import PolicyError, parse_policy

    try:
        parse_policy(policy, kind="key")
    except PolicyError as error:
        raise KmsError("MalformedPolicyDocumentException", str(error)) from None
    if not bypass_lockout_check:
        require_no_lockout(context, policy)


def _check_name(params: Params) -> None:
    name = params.get("PolicyName", POLICY_NAME)
    if name != POLICY_NAME:
        raise KmsError("NotFoundException", f"Policy '{name}' does not exist")


@operation("GetKeyPolicy")
def get_key_policy(context: RequestContext, params: Params) -> Result:
    key = resolve_key(context, params["KeyId"])
    _check_name(params)
    return {"Policy": key.policy, "PolicyName": POLICY_NAME}


@operation("PutKeyPolicy")
def put_key_policy(context: RequestContext, params: Params) -> Result:
    key = changeable_key(context, params["KeyId"])
    _check_name(params)
    check_policy_document(
        context,
        params["Policy"],
        bypass_lockout_check=params.get("BypassPolicyLockoutSafetyCheck", False),
    )
    key.policy = params["Policy"]
    return {}


@operation("ListKeyPolicies")
def list_key_policies(context: RequestContext, params: Params) -> Result:
    resolve_key(context, params["KeyId"])
    chunk, paging = page([POLICY_NAME], params, "ListKeyPolicies")
    return {"PolicyNames": list(chunk), **paging}
