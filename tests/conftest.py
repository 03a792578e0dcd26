"""Shared fixtures: tests go through boto3 exactly as users do."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import settings

from kmsmock import KmsMock

# No per-example deadline: CI machines are shared and noisy, and a slow example is not a
# failing one (crypto-heavy properties take hundreds of milliseconds under load).
settings.register_profile("kmsmock", deadline=None)
settings.load_profile("kmsmock")

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture
def client(kms: KmsMock) -> BaseClient:
    """A KMS client of the default account in us-east-1, inside an active mock."""
    return boto3.client("kms", region_name=REGION)


@pytest.fixture
def raw_client(kms: KmsMock) -> BaseClient:
    """A client that skips botocore's own parameter validation, so the mock's server-side
    validation answers, as AWS does for such clients."""
    return boto3.client("kms", region_name=REGION, config=Config(parameter_validation=False))


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """(code, message) of a ClientError, as a test asserts them."""
    error: dict[str, Any] = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def key_arn(key_id: str, *, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def new_key(client: BaseClient, **kwargs: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = client.create_key(**kwargs)["KeyMetadata"]
    return metadata


def describe(client: BaseClient, key_id: str) -> dict[str, Any]:
    metadata: dict[str, Any] = client.describe_key(KeyId=key_id)["KeyMetadata"]
    return metadata


def fails(call: Any, /, **params: Any) -> tuple[str, str]:
    """(code, message) of the ClientError ``call(**params)`` raises."""
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)
