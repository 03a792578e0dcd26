"""Keys other accounts share through AWS Resource Access Manager (RAM), as ListKeys lists them
with ``ResourceOwners`` ``OTHER_ACCOUNTS_VIA_RAM``.

kmsmock has no RAM: a test says which keys are shared with which accounts with
``KmsMock.share_key`` (kept in ``World.ram_shares``: key ARN -> account IDs), as an accepted
resource share would.
A share only makes the key listed: using it from the other account takes what any
cross-account use of a key takes here (a key policy that allows that account), and AWS's
RAM-managed permissions are not modelled.
"""

from __future__ import annotations

import re

from kmsmock.backend.keys import Key
from kmsmock.backend.state import World
from kmsmock.errors import KmsMockUsageError

_KEY_ARN = re.compile(r"arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key/([A-Za-z0-9-]+)")
_ACCOUNT = re.compile(r"\d{12}")


def shared_with(world: World, account: str, region: str, partition: str) -> list[Key]:
    """The keys of other accounts in ``region`` shared with ``account``, oldest first.

    A share of a key that no longer exists (deleted, or never made) lists nothing, as a
    resource share of a deleted resource does.
    """
    found = []
    for arn, accounts in world.ram_shares.items():
        match = _KEY_ARN.fullmatch(arn)
        if match is None:  # share_key checked it: only a hand-made entry gets here
            continue
        key_partition, key_region, owner, key_id = match.groups()
        if (key_partition, key_region) != (partition, region) or owner == account:
            continue  # RAM lists only other accounts' keys, in the caller's Region
        if account not in accounts:
            continue
        state = world.regions.get((owner, key_region))
        key = state.keys.get(key_id) if state is not None else None
        if key is not None:
            found.append(key)
    return sorted(found, key=lambda key: key.seq)


def check_share(key_arn: object, accounts: tuple[object, ...]) -> None:
    """What ``KmsMock.share_key`` takes: a key ARN and at least one 12-digit account ID."""
    if not isinstance(key_arn, str) or _KEY_ARN.fullmatch(key_arn) is None:
        raise KmsMockUsageError(
            f"share_key takes a key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY_ID); got {key_arn!r}"
        )
    if not accounts or any(not isinstance(a, str) or not _ACCOUNT.fullmatch(a) for a in accounts):
        raise KmsMockUsageError(
            "share_key(key_arn, *accounts) takes the 12-digit account IDs the key is shared "
            f"with, like share_key(arn, '123456789012'); got {list(accounts)!r}"
        )
