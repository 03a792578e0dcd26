"""The state one mock holds: plain dataclasses keyed by (account, region).

A ``World`` is everything an outermost ``mock_kms`` activation owns. Each (account, region)
has its own ``RegionState`` with its keys and aliases, as in AWS, where a key ID resolves only
in its own account and region.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from kmsmock.backend.audit import EventLog
from kmsmock.backend.billing import Billing
from kmsmock.backend.keys import Key
from kmsmock.errors import KmsMockUsageError
from kmsmock.settings import DEFAULT, Settings

if TYPE_CHECKING:
    from kmsmock.backend.faults import Faults
    from kmsmock.backend.key_store_state import CustomKeyStore
    from kmsmock.backend.keys import MultiRegionSet
    from kmsmock.backend.quotas import Quotas


@dataclass(slots=True)
class Alias:
    name: str  # "alias/..."
    arn: str
    target_key_id: str
    created: datetime
    updated: datetime


class AliasTable:
    """The aliases of one account and region, indexed by name (kept sorted) and by key.

    ListAliases pages in name order and CreateAlias counts a key's aliases on every call:
    with these indexes both cost the same with 10 aliases or 10,000, where scanning every
    alias would grow with the account.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, Alias] = {}
        self._names: list[str] = []  # sorted
        self._by_key: dict[str, dict[str, None]] = {}  # key ID -> its alias names (ordered set)

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Alias | None:
        return self._by_name.get(name)

    def values(self) -> list[Alias]:
        """Every alias, in name order."""
        return [self._by_name[name] for name in self._names]

    def add(self, alias: Alias) -> None:
        if alias.name in self._by_name:
            raise KeyError(f"alias {alias.name} exists")
        self._by_name[alias.name] = alias
        bisect.insort(self._names, alias.name)
        self._by_key.setdefault(alias.target_key_id, {})[alias.name] = None

    def remove(self, name: str) -> Alias | None:
        alias = self._by_name.pop(name, None)
        if alias is None:
            return None
        del self._names[bisect.bisect_left(self._names, name)]
        self._unlink(alias)
        return alias

    def retarget(self, name: str, key_id: str, when: datetime) -> None:
        alias = self._by_name[name]
        self._unlink(alias)
        alias.target_key_id = key_id
        alias.updated = when
        self._by_key.setdefault(key_id, {})[name] = None

    def of_key(self, key_id: str) -> list[Alias]:
        """The aliases that point at ``key_id``, in name order."""
        return [self._by_name[name] for name in sorted(self._by_key.get(key_id, ()))]

    def count_of_key(self, key_id: str) -> int:
        return len(self._by_key.get(key_id, ()))

    def names_after(self, after: str | None) -> Iterator[str]:
        """Alias names in order, from the first that sorts after ``after``."""
        start = 0 if after is None else bisect.bisect_right(self._names, after)
        return (self._names[i] for i in range(start, len(self._names)))

    def copy(self) -> AliasTable:
        """An independent table: Alias objects change in place (``retarget``), so each is
        copied."""
        new = AliasTable.__new__(AliasTable)
        new._by_name = {name: replace(alias) for name, alias in self._by_name.items()}
        new._names = list(self._names)
        new._by_key = {key_id: dict(names) for key_id, names in self._by_key.items()}
        return new

    def _unlink(self, alias: Alias) -> None:
        names = self._by_key.get(alias.target_key_id)
        if names is not None:
            names.pop(alias.name, None)
            if not names:
                del self._by_key[alias.target_key_id]


@dataclass(slots=True)
class RegionState:
    account: str
    region: str
    partition: str
    keys: dict[str, Key] = field(default_factory=dict)
    aliases: AliasTable = field(default_factory=AliasTable)
    custom_key_stores: dict[str, CustomKeyStore] = field(default_factory=dict)


class World:
    """All state of one mock: every account and region, and the secret that makes its
    ciphertexts undecryptable by any other mock instance."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.secret = os.urandom(32)
        self.regions: dict[tuple[str, str], RegionState] = {}
        # Time-driven transitions waiting for the clock, as a heap of
        # (due, ticket, key, schedule_version, kind); see lifecycle.py.
        self.due: list[tuple[datetime, int, Key, int, str]] = []
        self.due_limit = 1024  # past this many entries, stale ones are dropped
        self.tickets = itertools.count()
        # AWS's resource quotas and the test's knobs (kmsmock/settings.py): frozen, so a
        # request reads them with a few attribute loads; ``configure`` changes them.
        self.settings: Settings = DEFAULT
        # Issued credentials, identity policies, and whether requests are authorized.
        from kmsmock.backend.principals import Access

        self.access = Access()
        # Custom key store ID -> the ConnectionErrorCode every ConnectCustomKeyStore of that
        # store fails with (its state becomes FAILED), as if its cluster or proxy were broken;
        # remove the entry to "repair" it (``KmsMock.break_custom_key_store`` and
        # ``repair_custom_key_store``).
        self.custom_key_store_faults: dict[str, str] = {}
        # Key ARN -> the account IDs it is shared with through AWS RAM, as ListKeys with
        # ResourceOwners OTHER_ACCOUNTS_VIA_RAM lists them (backend/ram.py). A test's setup:
        # ``KmsMock.share_key``.
        self.ram_shares: dict[str, set[str]] = {}
        # Injected faults and opt-in request-rate quotas (faults.py, quotas.py); None (off)
        # unless a test asks, so a request pays one attribute check for each.
        self.faults: Faults | None = None
        self.quotas: Quotas | None = None
        # Every request served and every background rotation or deletion, as audit events
        # (audit.py), the oldest dropped past the bound (Settings.audit_events_kept).
        self.events = EventLog(DEFAULT.audit_events_kept)
        # What the cost report needs that keys do not keep: request counts, deletion
        # schedules, deleted keys (kmsmock/backend/billing.py).
        self.billing = Billing()
        self._seq = 0
        # Keys requests may have changed, and keys read-only requests used, by id(): kept only
        # while a durable server journals this world (persist/durable.py), which empties them
        # once it has journaled what changed; None otherwise.
        self.touched: dict[int, Key] | None = None
        self.used: dict[int, Key] = {}

    def region(self, account: str, region: str, partition: str) -> RegionState:
        state = self.regions.get((account, region))
        if state is None:
            state = self.regions[(account, region)] = RegionState(account, region, partition)
        return state

    def holds_nothing(self) -> bool:
        """Whether no key, alias, custom key store, issued credential or identity policy is
        here (a fresh world; events and settings aside)."""
        access = self.access
        if access.callers or access.identity_policies:
            return False
        return not any(
            state.keys or len(state.aliases) or state.custom_key_stores
            for state in self.regions.values()
        )

    def configure(self, settings: Settings) -> None:
        """Use ``settings`` from the next request on (the audit log keeps its latest events
        up to the new bound)."""
        if not isinstance(settings, Settings):
            raise KmsMockUsageError(
                f"settings must be a kmsmock.Settings, like Settings(limits=Limits("
                f"tags_per_key=5)); got {settings!r}"
            )
        with self.lock:
            if settings.audit_events_kept != self.settings.audit_events_kept:
                self.events.resize(settings.audit_events_kept)
            self.settings = settings

    def touch(self, key: Key, *, read: bool = False) -> None:
        """Note that ``key`` may change in this request (it was resolved, authorized, made or
        transitioned), for a durable server's journal; nothing when none is kept. ``read``:
        the request is read-only, which changes no key but for the private key an
        asymmetric key makes on first use (backend/usage.py)."""
        touched = self.touched
        if touched is not None:
            if read:
                self.used[id(key)] = key
            else:
                touched[id(key)] = key

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def copy(self) -> World:
        """An independent copy of this world, in O(keys + aliases + grants + queued entries).

        What is never changed in place is shared: the secret (so the copy decrypts what this
        world encrypted), private keys, policies, key material, grants, callers. Every
        container and every object that changes in place (keys, aliases, custom key stores,
        multi-Region sets, the lifecycle queue) is the copy's own.
        """
        with self.lock:
            new = World.__new__(World)
            new.lock = threading.RLock()
            new.secret = self.secret
            new.regions = {}
            keys: dict[int, Key] = {}  # id(original) -> copy
            stores: dict[int, CustomKeyStore] = {}
            sets: dict[int, MultiRegionSet] = {}
            for where, state in self.regions.items():
                copied = RegionState(state.account, state.region, state.partition)
                copied.aliases = state.aliases.copy()
                for store_id, store in state.custom_key_stores.items():
                    stores[id(store)] = copied.custom_key_stores[store_id] = store.copy()
                for key_id, key in state.keys.items():
                    keys[id(key)] = copied.keys[key_id] = key.copy()
                new.regions[where] = copied
            for key in keys.values():
                own_store = key.custom_key_store
                if own_store is not None:
                    if id(own_store) not in stores:  # not listed in its region any more
                        stores[id(own_store)] = own_store.copy()
                    key.custom_key_store = stores[id(own_store)]
                mrk = key.mrk
                if mrk is not None:
                    if id(mrk) not in sets:
                        sets[id(mrk)] = mrk.copy(keys)
                    key.mrk = sets[id(mrk)]
            # Entries name Key objects: the copy's entries name the copy's keys. An entry for
            # a key no region holds any more is stale (deleting bumps schedule_version).
            new.due = [
                (at, ticket, keys[id(key)], version, kind)
                for at, ticket, key, version, kind in self.due
                if id(key) in keys
            ]
            heapq.heapify(new.due)
            new.due_limit = self.due_limit
            # Tickets only order entries due at one instant; both worlds go on from here.
            next_ticket = next(self.tickets)
            new.tickets = itertools.count(next_ticket + 1)
            new.settings = self.settings  # frozen: shared
            new.access = self.access.copy()
            new.custom_key_store_faults = dict(self.custom_key_store_faults)
            new.ram_shares = {arn: set(accounts) for arn, accounts in self.ram_shares.items()}
            # Faults and quotas are a test's setup, not state: a snapshot carries neither.
            new.faults = None
            new.quotas = None
            new.events = self.events.copy()
            new.billing = self.billing.copy()
            new._seq = self._seq
            new.touched = None  # a copy is nobody's journal
            new.used = {}
            return new
