"""kmsmock's pytest plugin: the ``kms`` fixture.

Loading the plugin imports kmsmock at pytest start-up, so its botocore hook is in place before
any test module creates a boto3 session or client.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kmsmock import KmsMock


@pytest.fixture
def kms() -> Iterator[KmsMock]:
    """An active KMS mock for the test, stopped afterwards."""
    with KmsMock() as mock:
        yield mock
