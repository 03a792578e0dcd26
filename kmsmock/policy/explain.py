"""Why a statement does not apply to a request, in the words of the policy's own elements.

A denied request's explanation names its near misses: the statements that would have allowed
it but for one element (the principal, the action, the resource, or one condition). Worked out
only after a request is denied, so it costs nothing on the allowed path; it asks the same
functions that decided (``evaluate`` and ``conditions``), so it cannot disagree with them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from kmsmock.policy.conditions import ConditionContext, condition_holds
from kmsmock.policy.document import Condition, Policy, Principals, Statement
from kmsmock.policy.evaluate import action_matches, principal_matches, resource_matches
from kmsmock.policy.model import AuthRequest, ContextValue


def mismatches(
    statement: Statement,
    request: AuthRequest,
    *,
    variables: bool,
    check_principal: bool = True,
) -> list[str]:
    """Each element of ``statement`` that does not match ``request``, described; empty when
    the statement applies. Conditions are listed one by one (they are ANDed)."""
    context = ConditionContext(request)
    found: list[str] = []
    if check_principal and principal_matches(statement, request.caller) is None:
        found.append(_principal(statement, request))
    if not action_matches(statement, request.action):
        found.append(_action(statement, request.action))
    if not resource_matches(statement, request.resource, context, variables=variables):
        found.append(_resource(statement, request.resource))
    for condition in statement.conditions:
        if not condition_holds(
            condition.operator, condition.key, condition.values, context, variables=variables
        ):
            found.append(_condition(condition, context.get(condition.key)))
    return found


def near_misses(
    policy: Policy,
    request: AuthRequest,
    *,
    label: str,
    check_principal: bool = True,
) -> list[str]:
    """The Allow statements of ``policy`` that fail ``request`` on exactly one element, each as
    ``<label> statement "Sid" (#n): <what failed>``."""
    found = []
    for position, statement in enumerate(policy.statements, start=1):
        if statement.effect != "Allow":
            continue
        failed = mismatches(
            statement,
            request,
            variables=policy.variables_enabled,
            check_principal=check_principal,
        )
        if len(failed) == 1:
            found.append(f"{label} statement {name(statement, position)} {failed[0]}")
    return found


def deny_reason(policy: Policy, statement: Statement, request: AuthRequest) -> str:
    """Why the Deny ``statement`` of ``policy`` applies to ``request``: which statement (by
    Sid and position), and for each of its conditions the request's value that met it."""
    position = next(
        (n for n, s in enumerate(policy.statements, start=1) if s is statement),
        policy.statements.index(statement) + 1 if statement in policy.statements else 0,
    )
    text = f"statement {name(statement, position)} denies"
    if not statement.conditions:
        return text
    context = ConditionContext(request)
    held = []
    for condition in statement.conditions:
        actual = context.get(condition.key)
        seen = (
            f"the request has no {condition.key}"
            if actual is None
            else f"the request's {condition.key} is {_shown(actual)}"
        )
        held.append(
            f"{condition.operator} {condition.key} = {_listed(condition.values)} held ({seen})"
        )
    return f"{text}: its condition " + "; and ".join(held)


def name(statement: Statement, position: int) -> str:
    """``"Sid" (#2)``, or ``#2`` for a statement without a Sid."""
    return f'"{statement.sid}" (#{position})' if statement.sid else f"#{position}"


def _principal(statement: Statement, request: AuthRequest) -> str:
    if statement.principal is not None:
        return (
            f"would allow it, but its Principal {_principals(statement.principal)} does not "
            f"name the caller {request.caller.arn}"
        )
    if statement.not_principal is not None:
        return (
            f"would allow it, but its NotPrincipal {_principals(statement.not_principal)} "
            f"exempts the caller {request.caller.arn}"
        )
    return "would allow it, but it has no Principal element"


def _action(statement: Statement, action: str) -> str:
    if statement.action is not None:
        return f"would allow it, but its Action {_listed(statement.action)} does not cover {action}"
    if statement.not_action is not None:
        return (
            f"would allow it, but its NotAction {_listed(statement.not_action)} excludes {action}"
        )
    return "would allow it, but it has no Action element"


def _resource(statement: Statement, resource: str) -> str:
    if statement.resource is not None:
        return (
            f"would allow it, but its Resource {_listed(statement.resource)} does not cover "
            f"{resource}"
        )
    if statement.not_resource is not None:
        return (
            f"would allow it, but its NotResource {_listed(statement.not_resource)} excludes "
            f"{resource}"
        )
    return "would allow it, but it has no Resource element"


def _condition(condition: Condition, actual: ContextValue | None) -> str:
    wanted = _listed(condition.values)
    head = f"would allow it, but its condition {condition.operator} {condition.key} = {wanted}"
    if actual is None:
        return f"{head} failed: the request has no {condition.key}"
    return f"{head} failed: the request's {condition.key} is {_shown(actual)}"


def _principals(principals: Principals) -> str:
    if principals == "*":
        return '"*"'
    return json.dumps({kind: list(values) for kind, values in principals.items()})


def _listed(values: Sequence[str]) -> str:
    return json.dumps(values[0]) if len(values) == 1 else json.dumps(list(values))


def _shown(value: ContextValue) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return json.dumps(value)
    return json.dumps(list(value))
