"""AWS partitions (aws, aws-cn, aws-us-gov, ...) and the Regions in each, from botocore's own
partitions data: what decides an ARN's partition and a Region's account root."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=256)
def partition_of(region: str) -> str:
    """The partition of ``region`` (aws, aws-cn, aws-us-gov, aws-iso-*, aws-eusc, ...), by
    botocore's partitions data: a Region it names, else the first partition whose Region
    pattern matches (the broad ``aws`` pattern last); ``aws`` for anything else."""
    partitions = _partitions()
    for partition_id, regions, _ in partitions:
        if region in regions:
            return partition_id
    for partition_id, _, pattern in sorted(partitions, key=lambda p: p[0] == "aws"):
        if pattern.match(region):
            return partition_id
    return "aws"


@lru_cache(maxsize=1)
def _partitions() -> list[tuple[str, frozenset[str], re.Pattern[str]]]:
    from botocore.loaders import create_loader

    data = create_loader().load_data("partitions")
    return [
        (p["id"], frozenset(p.get("regions", ())), re.compile(p["regionRegex"]))
        for p in data["partitions"]
    ]


@lru_cache(maxsize=1)
def known_regions() -> frozenset[str]:
    """Every Region of every AWS partition, from botocore's partition data (the newest Region
    list botocore has), without the partitions' "<partition>-global" pseudo-Regions."""
    return frozenset(
        region
        for _, regions, _ in _partitions()
        for region in regions
        if not region.endswith("-global")
    )


@lru_cache(maxsize=16)
def kms_regions(partition: str) -> frozenset[str]:
    """The Regions where KMS exists in ``partition``, from botocore's endpoint data."""
    import botocore.session

    session = botocore.session.get_session()
    return frozenset(session.get_available_regions("kms", partition_name=partition))
