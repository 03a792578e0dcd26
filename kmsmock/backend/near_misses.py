"""What nearly allowed a denied request, for its explanation (``Authorization.near_misses``):
the key policy and identity policy statements that fail it on one element only, and the
caller's grants whose operations or constraints do not fit. authorize.py asks only once it has
denied a request, so the allowed path never pays for this."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from kmsmock.backend.context import RequestContext
from kmsmock.backend.keys import Key
from kmsmock.policy.document import PolicyError, parsed_policy
from kmsmock.policy.explain import near_misses
from kmsmock.policy.model import AuthRequest


def key_near_misses(
    context: RequestContext,
    key: Key,
    request: AuthRequest,
    grant_question: tuple[str, Mapping[str, str] | None],
) -> tuple[str, ...]:
    """What nearly allowed a denied request: key policy and identity policy statements that
    fail on one element only, and grants for the caller whose operations or constraints do
    not fit (``grant_question``: the grant operation and encryption context the request asks
    a grant about). Worked out only once a request is denied."""
    found: list[str] = []
    with contextlib.suppress(PolicyError):  # a stored unchecked policy allows no one
        found += near_misses(parsed_policy(key.policy, "key"), request, label="key policy")
    found += identity_near_misses(context, request)
    caller = request.caller
    operation, enc_context = grant_question
    for grant in (key.grants or {}).values():
        if grant.grantee_principal not in (caller.arn, caller.principal_arn, caller.root_arn):
            continue
        refusal = grant.refusal(operation, enc_context)
        if refusal is None and grant.grantee_principal == caller.root_arn:
            refusal = "is for the caller's account, and no identity policy lets the caller use it"
        if refusal is not None:
            found.append(f"grant {grant.grant_id} for {grant.grantee_principal} {refusal}")
    return tuple(found)


def identity_near_misses(context: RequestContext, request: AuthRequest) -> list[str]:
    caller = request.caller
    found: list[str] = []
    for text in context.world.access.identity_policies.get(caller.principal_arn, ()):
        found += near_misses(
            parsed_policy(text, "identity"),
            request,
            label=f"identity policy of {caller.principal_arn}:",
            check_principal=False,
        )
    return found
