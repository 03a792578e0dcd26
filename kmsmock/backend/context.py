"""What an operation knows about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kmsmock.backend.state import RegionState, World


@dataclass(slots=True)
class RequestContext:
    operation: str
    account: str
    region: str
    partition: str
    world: World
    now: datetime  # read once per request: every timestamp of one request is the same
    request_id: str = ""  # the x-amzn-RequestId of the response

    @property
    def here(self) -> RegionState:
        """The caller's own account and region."""
        return self.world.region(self.account, self.region, self.partition)

    @property
    def principal_arn(self) -> str:
        """Who is calling: the account root until principals arrive with access control."""
        return f"arn:{self.partition}:iam::{self.account}:root"

    def arn(self, resource: str, *, account: str | None = None, region: str | None = None) -> str:
        return (
            f"arn:{self.partition}:kms:{region or self.region}:{account or self.account}:{resource}"
        )
