"""kmsmock: a faithful in-process mock of AWS KMS.

Importing kmsmock installs its botocore hook (``kmsmock.seams.botocore_hook.install``): a session
initializer, registered with ``botocore.register_initializer``, that gives every botocore
session created afterwards kmsmock's ``before-send.kms`` handler, so KMS requests are served by
the mock while one is active; and, if botocore's HTTP layer is loaded already (so sessions made
before this import may exist), a backstop around its HTTP send that does the same for their
clients. Both do nothing while no mock is active and real AWS is not blocked. These are
kmsmock's only import-time effects (docs/safety.md).
"""

from typing import TYPE_CHECKING, Any

from kmsmock.backend.audit import AuditEvent
from kmsmock.errors import KmsError, KmsMockUsageError
from kmsmock.integrations import seam as integrations_seam
from kmsmock.mocking.events import Events
from kmsmock.mocking.mock import DEFAULT_ACCOUNT_ID, KmsMock, active_mocks, mock_kms
from kmsmock.mocking.snapshot import Snapshot
from kmsmock.seams import botocore_hook
from kmsmock.seams.botocore_hook import block_real_aws
from kmsmock.seams.guard import real_aws_blocked
from kmsmock.settings import Limits, Settings

if TYPE_CHECKING:
    from kmsmock.backend.authorize import Authorization
    from kmsmock.backend.faults import Fault
    from kmsmock.cost.report import AccountCost, CostReport, RegionCost
    from kmsmock.persist.state_file_error import StateFileError

__all__ = [
    "AccountCost",
    "AuditEvent",
    "Authorization",
    "CostReport",
    "DEFAULT_ACCOUNT_ID",
    "Events",
    "Fault",
    "KmsError",
    "KmsMock",
    "KmsMockUsageError",
    "Limits",
    "RegionCost",
    "Settings",
    "Snapshot",
    "StateFileError",
    "active_mocks",
    "block_real_aws",
    "mock_kms",
    "real_aws_blocked",
]

# Types users annotate with, imported on first use: their modules load the policy engine and
# the cost model, which a test that never asks for them should not pay for at import.
_LAZY = {
    "Authorization": "kmsmock.backend.authorize",
    "AccountCost": "kmsmock.cost.report",
    "CostReport": "kmsmock.cost.report",
    "RegionCost": "kmsmock.cost.report",
    "Fault": "kmsmock.backend.faults",
    "StateFileError": "kmsmock.persist.state_file_error",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kmsmock' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


botocore_hook.install()
integrations_seam.install()  # idle until a mock turns an integration on
