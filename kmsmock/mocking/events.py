"""``KmsMock.events``: the audit events a mock recorded, to filter and assert on, or to write
as a CloudTrail file. A filter that cannot match anything is a ``KmsMockUsageError`` with a
did-you-mean (criteria.py), never a silent empty result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from kmsmock.backend.audit import OUTCOMES, AuditEvent, Outcome
from kmsmock.backend.criteria import (
    SERVICE_EVENTS,
    KeyName,
    check_key,
    check_operation,
    check_principal,
    known_keys,
    known_principals,
)
from kmsmock.backend.state import World
from kmsmock.errors import KmsMockUsageError, did_you_mean, keywords_checked


class Events:
    """What ``KmsMock.events`` returns: the recorded events, oldest first, to filter and
    assert on, or to write as a CloudTrail file."""

    def __init__(self, world: World, account: str) -> None:
        self._log = world.events
        self._world = world
        self._account = account  # where an alias name is looked up: the mock's account

    def __iter__(self) -> Iterator[AuditEvent]:
        return iter(self._log.snapshot())

    def __repr__(self) -> str:
        events = self._log.snapshot()
        counts = {"allowed": 0, "denied": 0, "failed": 0}
        for event in events:
            counts[event.outcome] += 1
        tally = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
        last = f"; last {events[-1]!r}" if events else ""
        return f"<Events {len(events)} ({tally}){last}>"

    def __len__(self) -> int:
        return len(self._log.snapshot())

    def __getitem__(self, index: int) -> AuditEvent:
        return self._log.snapshot()[index]

    @keywords_checked("kms.events.filter()")
    def filter(
        self,
        *,
        operation: str | None = None,
        key: str | None = None,
        principal: str | None = None,
        outcome: Outcome | None = None,
    ) -> list[AuditEvent]:
        """The events matching every criterion given (None: not given).

        ``operation``: a KMS API operation's name, or ``RotateKey``/``DeleteKey`` for KMS's own
        events. ``key``: a key ID, key ARN, alias name or alias ARN (an alias stands for the
        key it points at now; an alias name is looked up in the mock's account). ``principal``:
        the caller's ARN (an assumed-role session's, or its role's, which matches all its
        sessions). ``outcome``: "allowed", "denied" or "failed".

        A criterion that cannot match anything raises ``KmsMockUsageError``: a misspelt
        operation or argument, a value of the wrong type or shape, an alias that does not
        exist, a key ID or ARN that neither a key nor an event names."""
        events = self._log.snapshot()
        # A name an event carries always passes (an unknown operation a request asked for).
        if operation is not None and not any(e.operation == operation for e in events):
            check_operation(operation, also=SERVICE_EVENTS)
        if outcome is not None and outcome not in OUTCOMES:
            hint = did_you_mean(outcome, OUTCOMES) if isinstance(outcome, str) else ""
            raise KmsMockUsageError(
                f"outcome must be 'allowed', 'denied' or 'failed'; got {outcome!r}{hint}"
            )
        names_key = None if key is None else self._key_matcher(key, events)
        if principal is not None:
            check_principal(principal, known=lambda: self._principals(events))
        found = []
        for event in events:
            if operation is not None and event.operation != operation:
                continue
            if names_key is not None and not names_key(event.key_arn):
                continue
            if principal is not None and (
                event.caller is None
                or principal not in (event.caller.arn, event.caller.principal_arn)
            ):
                continue
            if outcome is not None and event.outcome != outcome:
                continue
            found.append(event)
        return found

    def to_cloudtrail(self) -> dict[str, list[dict[str, Any]]]:
        """The events as a CloudTrail log file's content: ``{"Records": [...]}``."""
        return {"Records": [event.record() for event in self._log.snapshot()]}

    def clear(self) -> None:
        self._log.clear()

    def _key_matcher(self, key: str, events: list[AuditEvent]) -> Callable[[str | None], bool]:
        """A test of an event's ``key_arn`` for the key ``key`` names; a usage error if no
        event could pass it."""
        world = self._world
        name = check_key(key, known=lambda: known_keys(world))
        if name.kind == "alias":
            target = self._alias_target(key, name)
            return lambda arn: arn == target
        with world.lock:
            if name.account is None:
                # A key ID names a key in any account and Region (a multi-Region key's
                # replicas share it), as matching has always done.
                exists = any(name.name in state.keys for state in world.regions.values())
            else:
                state = world.regions.get((name.account, name.region or ""))
                found = None if state is None else state.keys.get(name.name)
                exists = found is not None and found.arn == key
        if name.account is None:
            suffix = "/" + name.name

            def matches(arn: str | None) -> bool:
                return arn is not None and arn.endswith(suffix)

        else:

            def matches(arn: str | None) -> bool:
                return arn == key

        # A deleted key is in no Region any more, but its events still name it.
        if not exists and not any(matches(e.key_arn) for e in events):
            form = "ID" if name.account is None else "ARN"
            raise KmsMockUsageError(
                f"no key {key} in this mock: no key has that {form} and no recorded event names "
                f"it{did_you_mean(key, known_keys(world))}"
            )
        return matches

    def _alias_target(self, key: str, name: KeyName) -> str:
        """The ARN of the key the alias ``key`` points at now."""
        world = self._world
        with world.lock:
            if name.account is not None:
                state = world.regions.get((name.account, name.region or ""))
                aliases = [] if state is None else [state.aliases.get(name.name)]
            else:
                aliases = [
                    state.aliases.get(name.name)
                    for (account, _), state in sorted(world.regions.items())
                    if account == self._account
                ]
        found = [alias for alias in aliases if alias is not None]
        if not found:
            where = "this mock" if name.account else f"account {self._account} of this mock"
            hint = did_you_mean(key, known_keys(world))
            raise KmsMockUsageError(f"no alias {key} in {where}{hint}")
        if len(found) > 1:
            regions = ", ".join(alias.arn.split(":")[3] for alias in found)
            raise KmsMockUsageError(
                f"{key} is an alias in more than one Region of account {self._account} "
                f"({regions}); filter by its alias ARN"
            )
        alias = found[0]
        return f"{alias.arn.rsplit(':', 1)[0]}:key/{alias.target_key_id}"

    def _principals(self, events: list[AuditEvent]) -> set[str]:
        """The principals of these events and those with credentials, to suggest from."""
        found = known_principals(self._world)
        for event in events:
            if event.caller is not None:
                found.update((event.caller.arn, event.caller.principal_arn))
        return found
