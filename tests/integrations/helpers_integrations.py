"""What the service-integration tests share: moto serving S3, SSM and Secrets Manager, kmsmock
serving KMS, and the principals, keys and policies the scenarios use."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto import mock_aws

from kmsmock import AuditEvent, KmsMock

REGION = "us-east-1"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
# The session kmsmock gives a role's credentials when none is named.
ROLE_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock"


@pytest.fixture
def moto() -> Iterator[None]:
    """moto serving every other service (kmsmock answers KMS before moto sees it)."""
    with mock_aws():
        yield


def kms_client(kms: KmsMock, principal: str | None = None) -> BaseClient:
    extra = {} if principal is None else kms.credentials(principal)
    return boto3.client("kms", region_name=REGION, **extra)


def new_key(kms: KmsMock, *, policy: dict[str, Any] | None = None, owner: str | None = None) -> str:
    """A new symmetric key's ARN (in ``owner``'s account, as its root, if given)."""
    client = kms_client(kms, owner)
    extra = {} if policy is None else {"Policy": json.dumps(policy)}
    return str(client.create_key(**extra)["KeyMetadata"]["Arn"])


def allow(
    kms: KmsMock, principal: str, actions: list[str], resource: str = "*", **condition: Any
) -> None:
    """Give ``principal`` an identity policy allowing ``actions`` (with a StringEquals
    condition on the keyword arguments, ``kms:ViaService`` spelt ``via``)."""
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        names = {"via": "kms:ViaService"}
        statement["Condition"] = {
            "StringEquals": {names.get(k, k): v for k, v in condition.items()}
        }
    kms.set_identity_policy(principal, {"Version": "2012-10-17", "Statement": [statement]})


def account_policy(*accounts: str) -> dict[str, Any]:
    """A key policy letting each account's IAM policies decide (the default policy's shape)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"Enable IAM policies of {account}",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
            for account in accounts
        ],
    }


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    """(HTTP status, code, message) of a ClientError."""
    response = excinfo.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def service_calls(kms: KmsMock, prefix: str) -> list[AuditEvent]:
    """The KMS calls made for service requests whose name starts with ``prefix``."""
    return [e for e in kms.events if (e.service_request or "").startswith(prefix)]


def direct_message(kms: KmsMock, operation: str, **params: Any) -> str:
    """KMS's own message for a direct call that fails (what a service passes on)."""
    with pytest.raises(ClientError) as excinfo:
        getattr(kms_client(kms), operation)(**params)
    return str(excinfo.value.response["Error"]["Message"])
