"""kmsmock: a faithful in-process mock of AWS KMS.

Importing kmsmock installs its botocore hook (``kmsmock._intercept.install``): a session
initializer, registered with ``botocore.register_initializer``, that gives every botocore
session created afterwards kmsmock's ``before-send.kms`` handler, so KMS requests are served by
the mock while one is active; and, if botocore's HTTP layer is loaded already (so sessions made
before this import may exist), a backstop around its HTTP send that does the same for their
clients. Both do nothing while no mock is active and real AWS is not blocked. These are
kmsmock's only import-time effects (docs/safety.md).
"""

from kmsmock import _intercept
from kmsmock._active import active_mocks
from kmsmock._guard import block_real_aws, real_aws_blocked
from kmsmock._mock import DEFAULT_ACCOUNT_ID, KmsMock, mock_kms
from kmsmock.errors import KmsError, KmsMockUsageError
from kmsmock.settings import Limits, Settings

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "KmsError",
    "KmsMock",
    "KmsMockUsageError",
    "Limits",
    "Settings",
    "active_mocks",
    "block_real_aws",
    "mock_kms",
    "real_aws_blocked",
]

_intercept.install()
