"""Which statements of a policy apply to a request: principal, action, resource, conditions.

No decision here: the backend combines what the key policy, identity policies and grants say
(explicit deny wins, delegation to the account, cross-account rules) into AWS's answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from kmsmock.policy.conditions import (
    ConditionContext,
    as_context,
    conditions_hold,
    substitute,
)
from kmsmock.policy.document import Policy, Principals, Statement
from kmsmock.policy.model import AuthRequest, Caller, PrincipalMatch
from kmsmock.policy.wildcard import compile_segments, compile_wildcard

_ACCOUNT = re.compile(r"\d{12}")
# When one Principal element names the caller in several ways, the most specific wins: a
# statement naming the caller itself allows it directly even if it also names its account.
_PRECEDENCE: tuple[PrincipalMatch, ...] = ("principal", "anyone", "account", "service")


def _account_root(value: str, partition: str) -> str:
    """``"AWS": "111122223333"`` means the account principal ``arn:...:iam::<acct>:root``."""
    return f"arn:{partition}:iam::{value}:root" if _ACCOUNT.fullmatch(value) else value


def _service_name(host: str) -> str:
    # "lambda.us-east-1.amazonaws.com" (kms:ViaService) and "lambda.amazonaws.com" (a service
    # principal) name the same service by their first label.
    return host.split(".", 1)[0].lower()


def _aws_match(value: str, caller: Caller) -> PrincipalMatch | None:
    if value == "*":
        return "anyone"
    arn = _account_root(value, caller.partition)
    if arn == caller.root_arn:
        return "account"
    # The user ARN, the role ARN (for that role's sessions, via principal_arn) or the exact
    # assumed-role session ARN.
    if arn in (caller.arn, caller.principal_arn):
        return "principal"
    return None


def _matches(principals: Principals, caller: Caller) -> list[PrincipalMatch]:
    if principals == "*":
        return ["anyone"]
    found: list[PrincipalMatch] = []
    for value in principals.get("AWS", ()):
        match = _aws_match(value, caller)
        if match is not None:
            found.append(match)
    if caller.via_service is not None:
        service = _service_name(caller.via_service)
        for value in principals.get("Service", ()):
            if value == "*" or _service_name(value) == service:
                found.append("service")
    # "Federated" and "CanonicalUser" principals never describe a KMS caller.
    return found


def _identities(caller: Caller) -> set[str]:
    """Every principal IAM evaluates a request as: the session, its role, its account (IAM UG,
    "NotPrincipal": a NotPrincipal statement exempts a session only if it lists all three)."""
    return {caller.arn, caller.principal_arn, caller.root_arn}


def principal_matches(statement: Statement, caller: Caller) -> PrincipalMatch | None:
    """How the statement's Principal (or NotPrincipal) element covers ``caller``, or None.

    Precedence when several entries cover the caller: principal, anyone, account, service.
    A NotPrincipal statement applies ("anyone") unless it lists every identity the caller is
    evaluated as; "*" in NotPrincipal exempts everyone.
    """
    if statement.principal is not None:
        found = _matches(statement.principal, caller)
        for kind in _PRECEDENCE:
            if kind in found:
                return kind
        return None
    if statement.not_principal is not None:
        excluded = statement.not_principal
        if excluded == "*" or "*" in excluded.get("AWS", ()):
            return None
        listed = {_account_root(v, caller.partition) for v in excluded.get("AWS", ())}
        return None if _identities(caller) <= listed else "anyone"
    return None


def action_matches(statement: Statement, action: str) -> bool:
    """Action names compare case-insensitively, with ``*`` and ``?`` wildcards."""
    if statement.action is not None:
        return _any_action(statement.action, action)
    if statement.not_action is not None:
        return not _any_action(statement.not_action, action)
    return False  # no Action element: KMS accepts the statement but it has no effect


@lru_cache(maxsize=4096)
def _any_action(patterns: tuple[str, ...], action: str) -> bool:
    # Cached: every authorized request asks this of each statement that names its caller, and
    # policies and action names are few.
    folded = action.lower()
    return any(compile_wildcard(p.lower()).fullmatch(folded) for p in patterns)


def _resource_hit(patterns: Iterable[str], resource: str, context: ConditionContext | None) -> bool:
    for pattern in patterns:
        if pattern == "*":
            return True
        if context is None:
            segments = [(pattern, True)]
        else:
            expanded = substitute(pattern, context)
            if expanded is None:
                continue  # a variable with no value: this entry matches nothing
            segments = expanded
        if compile_segments(tuple(segments)).fullmatch(resource):
            return True
    return False


def resource_matches(
    statement: Statement,
    resource: str,
    request: AuthRequest | ConditionContext | None = None,
    *,
    variables: bool = False,
) -> bool:
    """Resource ARNs compare case-sensitively with wildcards; ``"*"`` matches everything (in a
    key policy: this key). Policy variables are substituted when ``variables`` and a request
    are given."""
    context = as_context(request) if variables and request is not None else None
    if statement.resource is not None:
        return _resource_hit(statement.resource, resource, context)
    if statement.not_resource is not None:
        return not _resource_hit(statement.not_resource, resource, context)
    return False  # no Resource element: accepted by KMS, no effect


def applicable(
    policy: Policy, request: AuthRequest, *, check_principal: bool
) -> list[tuple[Statement, PrincipalMatch | None]]:
    """The statements whose principal (if checked), action, resource and conditions all match
    ``request``, in document order, each with how its principal matched (None if unchecked)."""
    context = ConditionContext(request)
    variables = policy.variables_enabled
    result: list[tuple[Statement, PrincipalMatch | None]] = []
    for statement in policy.statements:
        match: PrincipalMatch | None = None
        if check_principal:
            match = principal_matches(statement, request.caller)
            if match is None:
                continue
        if not action_matches(statement, request.action):
            continue
        if not resource_matches(statement, request.resource, context, variables=variables):
            continue
        if not conditions_hold(statement.conditions, context, variables=variables):
            continue
        result.append((statement, match))
    return result
