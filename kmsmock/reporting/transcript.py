"""A test's KMS requests, in order, with why each denied or failed one was refused: the text of
the "kmsmock" section the pytest plugin adds to a failing test's report.

Built from what the world records anyway (audit events and authorization decisions), so it
costs nothing while the test runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from kmsmock.backend.audit import AuditEvent
from kmsmock.backend.authorize import Authorization
from kmsmock.reporting.hints import hint

DEFAULT_LIMIT = 50
_MESSAGE_CHARS = 300


def transcript(
    events: Sequence[AuditEvent],
    decisions: Sequence[Authorization],
    *,
    limit: int = DEFAULT_LIMIT,
    where: str = "",
) -> str:
    """The requests ``events`` (oldest first) as numbered lines, each denied or failed one
    followed by what decided it: the authorization's reason and near misses, and a hint where
    the failure is one code written against moto commonly meets. At most ``limit`` requests
    are listed: the latest, which end in the failure. ``where`` ends the first line's
    "kmsmock served N requests" (the plugin says " in this test")."""
    requests = [event for event in events if event.caller is not None]
    denied = sum(1 for event in requests if event.outcome == "denied")
    failed = sum(1 for event in requests if event.outcome == "failed")
    lines = [
        f"kmsmock served {_count(len(requests), 'request')}{where}: "
        f"{len(requests) - denied - failed} succeeded, {denied} denied, {failed} failed."
    ]
    if not requests:
        return lines[0]
    by_request = {d.request_id: d for d in decisions if not d.allowed and d.request_id}
    first = max(0, len(requests) - limit)
    if first:
        lines.append(
            f"(the first {_count(first, 'request')} not shown; kms.events lists every one)"
        )
    width = len(str(len(requests)))
    for number, event in enumerate(requests[first:], start=first + 1):
        lines.append(f"{number:>{width}}. {_summary(event)}")
        indent = " " * (width + 2)
        if event.error_code is None:
            continue
        decision = by_request.get(event.request_id)
        if decision is not None:
            lines.append(f"{indent}why: {decision.reason}")
            lines.extend(f"{indent}near miss: {near}" for near in decision.near_misses)
        advice = hint(event, requests[: number - 1])
        if advice is not None:
            lines.append(f"{indent}hint: {advice}")
    return "\n".join(lines)


def _summary(event: AuditEvent) -> str:
    parts = [event.operation]
    if event.key_arn is not None:
        parts.append(event.key_arn.split(":", 5)[-1])  # key/<id>, short enough to scan
    parts.append(f"by {event.principal}")
    if event.service_request is not None:
        parts.append(f"for {event.service_request}")
    if event.error_code is None:
        parts.append("-> ok")
    else:
        message = event.error_message or ""
        if len(message) > _MESSAGE_CHARS:
            message = message[: _MESSAGE_CHARS - 3] + "..."
        parts.append(f"-> {event.error_code}" + (f": {message}" if message else ""))
    return " ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
