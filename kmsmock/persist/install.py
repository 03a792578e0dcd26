"""Loading a document into a live mock's world (``KmsMock.load``).

Into an empty world (no keys, aliases, custom key stores, principals or identity policies)
the document's world is moved whole, its secret included. Into a world that has something,
the document's keys, aliases, stores, principals and policies are added, and anything that
would clash with what is there (a key ID, an alias name, a store ID, an access key, a
principal's identity policies, a different secret or setting) refuses the whole load: nothing
is changed. The World object stays the same one, so mocks nested in the active one see it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from kmsmock.backend.state import World
from kmsmock.persist.decode import Loaded, build, read_path, schedule
from kmsmock.persist.fields import Place
from kmsmock.persist.settings_fields import given_settings
from kmsmock.settings import value_of


def load_into(
    world: World, source: str | os.PathLike[str] | Mapping[str, Any], *, account: str
) -> None:
    if isinstance(source, (str, os.PathLike)):
        document: Any = read_path(source)
        name = os.fspath(source)
    else:  # a dict, or anything else, which the document's checks refuse
        document = dict(source) if isinstance(source, Mapping) else source
        name = "<seed dict>"
    with world.lock:
        empty = world.holds_nothing()
        loaded = build(document, source=name, account=account, secret=world.secret)
        if empty:
            _replace(world, loaded)
        else:
            _merge(world, loaded, Place(name))


def _replace(world: World, loaded: Loaded) -> None:
    from kmsmock.crypto import keypool

    new = loaded.world
    if new.secret != world.secret:
        # The pooled RSA keys lent under the old secret: no key of this world holds them.
        keypool.give_back(world.secret)
    world.secret = new.secret
    world.regions = new.regions
    world.due = new.due
    world.due_limit = new.due_limit
    world.tickets = new.tickets
    world._seq = new._seq
    given = given_settings(loaded.settings_given, new.settings)
    if given:
        world.configure(world.settings.updated(dict(given.values())))
    access = world.access
    access.callers = new.access.callers
    access.identity_policies = new.access.identity_policies
    access.secret_keys = new.access.secret_keys
    # Whether policies are enforced is the mock's own setting (mock_kms(enforce_policies=)).


def _merge(world: World, loaded: Loaded, place: Place) -> None:
    new = loaded.world
    if loaded.secret_given and new.secret != world.secret:
        place.at("secret").fail(
            "differs from the secret of this mock, which already has keys or principals: "
            "load the file into an empty mock, or leave 'secret' out to use this mock's"
        )
    for field, (name, value) in given_settings(loaded.settings_given, new.settings).items():
        if value != value_of(world.settings, name):
            place.at(field).fail("differs from this mock's setting, and the mock is not empty")
    for (account, region), state in new.regions.items():
        there = world.regions.get((account, region))
        if there is None:
            continue
        for key_id in state.keys:
            if key_id in there.keys:
                place.fail(f"key {key_id} already exists in {account} {region}")
        for alias in state.aliases.values():
            if alias.name in there.aliases:
                place.fail(f"alias {alias.name} already exists in {account} {region}")
        for store_id in state.custom_key_stores:
            if store_id in there.custom_key_stores:
                place.fail(f"custom key store {store_id} already exists in {account} {region}")
    # A key ID is its account's: a multi-Region set, or a single-Region ID, in other Regions.
    existing = {
        (state.account, key_id) for state in world.regions.values() for key_id in state.keys
    }
    for state in new.regions.values():
        for key_id in state.keys:
            if (state.account, key_id) in existing:
                place.fail(f"key {key_id} already exists in account {state.account}")
    access, given = world.access, new.access
    for access_key in given.callers:
        if access_key in access.callers:
            place.fail(f"access key {access_key} is already issued in this mock")
    for arn in given.identity_policies:
        if arn in access.identity_policies:
            place.fail(f"{arn} already has identity policies in this mock")
    # Nothing clashes: add it all, numbered after what the world has.
    things: list[Any] = []
    for state in new.regions.values():
        things.extend(state.custom_key_stores.values())
        for key in state.keys.values():
            things.append(key)
            things.extend((key.grants or {}).values())
    for thing in sorted(things, key=lambda t: t.seq):
        thing.seq = world.next_seq()
    for (account, region), state in new.regions.items():
        there = world.region(account, region, state.partition)
        there.custom_key_stores.update(state.custom_key_stores)
        there.keys.update(state.keys)
        for alias in state.aliases.values():
            there.aliases.add(alias)
    for key in loaded.keys:
        schedule(world, key, loaded.settles.get(id(key)))
    access.callers.update(given.callers)
    access.secret_keys.update(given.secret_keys)
    access.identity_policies.update(given.identity_policies)
