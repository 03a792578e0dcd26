"""Snapshots: a mock's whole state, frozen, to start any number of mocks from.

Building state through the API costs what the requests cost (and an RSA key's first use costs
its key generation); copying it costs a few microseconds per key. A test suite builds its
common keys once, takes ``KmsMock.snapshot()``, and starts each test's mock from it with
``mock_kms(snapshot=...)``: every test gets its own copy, and what one test changes no other
test, and not the snapshot, can see.
"""

from __future__ import annotations

from typing import final

from kmsmock.backend.state import World


@final
class Snapshot:
    """The state of a mock at one instant: every account, Region, key, alias, grant, custom
    key store and principal, the mock's settings, and its secret, so ciphertexts and grant
    tokens made before the snapshot work in every mock started from it.

    Immutable: a snapshot holds its own copy of the state, which nothing can reach. Take one
    with ``KmsMock.snapshot()``; start mocks from it with ``mock_kms(snapshot=...)``.
    """

    __slots__ = ("_world", "account_id", "enforce_policies")

    def __init__(self, world: World, *, account_id: str, enforce_policies: bool) -> None:
        self._world = world  # a private copy, never started
        self.account_id = account_id  # the default account of mocks started from it
        self.enforce_policies = enforce_policies

    @property
    def key_count(self) -> int:
        """How many keys the snapshot holds, in all accounts and Regions."""
        return sum(len(state.keys) for state in self._world.regions.values())

    def world(self) -> World:
        """A new, independent copy of the snapshot's state."""
        return self._world.copy()

    def __repr__(self) -> str:
        return (
            f"<kmsmock Snapshot: {self.key_count} keys, account {self.account_id}, "
            f"policies {'enforced' if self.enforce_policies else 'not enforced'}>"
        )

    def __copy__(self) -> Snapshot:
        return self  # immutable

    def __deepcopy__(self, memo: object) -> Snapshot:
        return self
