"""kmsmock: a faithful in-process mock of AWS KMS.

Importing kmsmock installs its botocore hook (``kmsmock._intercept.install``): a session
initializer, registered with ``botocore.register_initializer``, that gives every botocore
session created afterwards kmsmock's ``before-send.kms`` handler, so KMS requests are served by
the mock while one is active. The handler does nothing while no mock is active. This is
kmsmock's only import-time effect.
"""

from kmsmock import _intercept
from kmsmock._mock import DEFAULT_ACCOUNT_ID, KmsMock, mock_kms
from kmsmock.errors import KmsError, KmsMockUsageError

__all__ = ["DEFAULT_ACCOUNT_ID", "KmsError", "KmsMock", "KmsMockUsageError", "mock_kms"]

_intercept.install()
