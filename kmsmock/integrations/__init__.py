"""Service integrations: S3, SSM Parameter Store and Secrets Manager calling kmsmock's KMS as
those AWS services call KMS (docs/service-integrations.md).

Opt-in per service (``mock_kms(integrations=["s3", "ssm", "secretsmanager"])``, or ``"all"``).
While a mock asking for one is active, kmsmock watches that service's requests at the botocore
layer (``seam``), makes the KMS calls the real service would make, as the caller of the service
request (``acting``), and either lets the request go on to whatever serves the service (moto, in
tests) or answers it with the service's own error (``wire``). It never serves the other
service's data, and never touches another mock's internals.

This module is imported with kmsmock: it holds only the names and their check.
"""

from __future__ import annotations

from collections.abc import Iterable

from kmsmock.errors import KmsMockUsageError, did_you_mean

# The names a test uses (boto3's client names), and each one's botocore service ID: the
# middle part of the event names its handlers are registered for.
SERVICES: dict[str, str] = {"s3": "s3", "ssm": "ssm", "secretsmanager": "secrets-manager"}
ALL = "all"


def checked(value: object, where: str = "integrations") -> frozenset[str]:
    """The services ``value`` names (a name, "all", or a list of names), or a usage error that
    says what is accepted."""
    if value is None:
        return frozenset()
    names: Iterable[object]
    if isinstance(value, str):
        names = (value,)
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        names = list(value)
    else:
        raise KmsMockUsageError(
            f"{where} is a list of services, like ['s3', 'ssm', 'secretsmanager'], or 'all'; "
            f"got {value!r}"
        )
    found: set[str] = set()
    for name in names:
        if name == ALL:
            found.update(SERVICES)
        elif isinstance(name, str) and name in SERVICES:
            found.add(name)
        else:
            choices = [*SERVICES, ALL]
            hint = did_you_mean(name, choices) if isinstance(name, str) else ""
            raise KmsMockUsageError(
                f"{where}: unknown service {name!r}{hint}; kmsmock integrates "
                f"{', '.join(repr(c) for c in choices)}"
            )
    return frozenset(found)
