"""Keys other accounts share through AWS Resource Access Manager (RAM), as ListKeys lists them
with ``ResourceOwners`` ``OTHER_ACCOUNTS_VIA_RAM``.

kmsmock has no RAM: a test says which keys are shared with which accounts in
``KmsMock.world.ram_shares`` (key ARN -> account IDs), as an accepted resource share would.
A share only makes the key listed: using it from the other account takes what any
cross-account use of a key takes here (a key policy that allows that account), and AWS's
RAM-managed permissions are not modelled.
"""

from __future__ import annotations

import re

from kmsmock.backend.state import Key, World
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
        if match is None or any(not _ACCOUNT.fullmatch(str(a)) for a in accounts):
            raise KmsMockUsageError(
                f"world.ram_shares[{arn!r}] = {accounts!r}: ram_shares maps a key ARN "
                "(arn:aws:kms:REGION:ACCOUNT:key/KEY_ID) to the 12-digit account IDs it is "
                "shared with"
            )
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
