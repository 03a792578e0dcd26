"""Shared fixtures: tests go through boto3 exactly as users do."""

from __future__ import annotations

import socket
from pathlib import Path
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


def enum_listing(shape: str, printed: str) -> str:
    """An enum as ValidationException lists it: in the order AWS printed it (``printed``, as
    recorded), then the values the loaded botocore model has gained since, in model order
    (kmsmock/protocol/enum_order.py), so a test holds on every botocore from the floor on."""
    from kmsmock.aws.model import service_model

    first = printed.strip("[]").split(", ")
    later = [value for value in service_model().shape_for(shape).enum if value not in first]
    return "[" + ", ".join(first + later) + "]"


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


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An environment with no AWS credentials anywhere botocore looks."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-such-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-such-credentials"))
    # Outside a mock, credential resolution would otherwise ask the instance metadata service.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def blocked_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt to open a connection (or to resolve a host name) is recorded and
    refused: the proof that nothing a test does leaves the process."""
    attempts: list[Any] = []

    def refuse_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append((host, port))
        raise socket.gaierror("name resolution blocked by the test")

    def refuse_connect(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network blocked by the test")

    def refuse_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        attempts.append(address)
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(socket, "create_connection", refuse_create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", refuse_getaddrinfo)
    return attempts
