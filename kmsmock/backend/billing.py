"""The usage ledger the cost report (kmsmock/cost/report.py) reads: one per World.

It keeps what the keys themselves cannot tell once they change or are gone, in O(keys + hours
with requests) memory and O(1) work per request, never from the bounded audit log:

- request counts by (paying account, Region, price class, hour), counted by ``serve`` for
  every request served successfully;
- when each key pending deletion was scheduled for deletion (from then on it is free, and a
  primary in PendingReplicaDeletion's DeletionDate does not say when that was);
- for each deleted customer managed key, what it was billed for until it went: its creation,
  the instant its billing stopped and its rotations' dates.

A live key's own fields (``created``, ``rotations``, ``state``) give the rest.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmsmock.backend.keys import Key

# The states of a key scheduled for deletion: AWS does not charge for such a key.
PENDING = frozenset({"PendingDeletion", "PendingReplicaDeletion"})
_HOUR = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

Bucket = tuple[str, str, str, datetime]  # (paying account, Region, price class, hour)
KeyRef = tuple[str, str, str]  # (account, Region, key ID)


@dataclass(frozen=True, slots=True)
class EndedKey:
    """A deleted customer managed key, as the bill saw it."""

    account: str
    region: str
    key_id: str
    created: datetime
    billed_until: datetime  # when it was scheduled for deletion (free from then on)
    rotations: tuple[datetime, ...]  # when each rotation made new key material, oldest first


class Billing:
    """The ledger of one World (``World.billing``); guarded by the World's lock."""

    def __init__(self) -> None:
        self.requests: dict[Bucket, int] = {}
        self.pending_since: dict[KeyRef, datetime] = {}
        self.ended: list[EndedKey] = []
        # Guards ``requests`` only: a plain lock costs a third of the World's RLock, and
        # ``serve`` counts after ``dispatch`` has released that.
        self._lock = threading.Lock()
        # The hour of the latest request, (start, end), one tuple so that threads read a
        # consistent pair: working out an hour costs ~1.4 us, comparing with the last one a
        # tenth of that.
        self._hour = (_EPOCH, _EPOCH)

    def count(self, payer: str, region: str, price_class: str, now: datetime) -> None:
        """A request was served: the caller's account pays for it (AWS: "the AWS account
        that makes the API request is charged"), in the Region it was made in, at the price
        of ``price_class`` (price_class.py)."""
        hour, hour_end = self._hour
        if not hour <= now < hour_end:
            hour = now.replace(minute=0, second=0, microsecond=0)
            self._hour = (hour, hour + _HOUR)
        bucket = (payer, region, price_class, hour)
        requests = self.requests
        lock = self._lock
        lock.acquire()  # get-then-set is not atomic between threads
        try:
            requests[bucket] = requests.get(bucket, 0) + 1
        finally:
            lock.release()

    def scheduled(self, key: Key, now: datetime) -> None:
        """ScheduleKeyDeletion: the key is free from ``now`` (unless the deletion is
        cancelled: then AWS charges it as if it had never been scheduled)."""
        self.pending_since[(key.account, key.region, key.key_id)] = now

    def billed_until(self, key: Key) -> datetime | None:
        """When a live key's billing stopped: when it was scheduled for deletion, if it is
        pending deletion; None if it is billed still."""
        if key.state not in PENDING:
            return None
        since = self.pending_since.get((key.account, key.region, key.key_id))
        if since is None and key.deletion_date is not None and key.pending_window_days:
            # Not recorded (a state set without ScheduleKeyDeletion): its DeletionDate says.
            since = key.deletion_date - timedelta(days=key.pending_window_days)
        return since

    def deleted(self, key: Key, at: datetime) -> None:
        """``key`` was deleted at ``at``: keep what it was billed for."""
        billed_until = self.billed_until(key)
        self.pending_since.pop((key.account, key.region, key.key_id), None)
        if key.key_manager != "CUSTOMER":
            return
        self.ended.append(
            EndedKey(
                key.account,
                key.region,
                key.key_id,
                key.created,
                at if billed_until is None else billed_until,
                tuple(material.created for material in key.rotations),
            )
        )

    def request_counts(self) -> dict[Bucket, int]:
        """A copy of the request counts, safe to iterate while requests are served."""
        with self._lock:
            return dict(self.requests)

    def copy(self) -> Billing:
        new = Billing()
        with self._lock:
            new.requests = dict(self.requests)
        new.pending_since = dict(self.pending_since)
        new.ended = list(self.ended)  # EndedKey is frozen: shared
        return new
