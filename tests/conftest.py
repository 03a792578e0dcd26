"""Shared fixtures: tests go through boto3 exactly as users do."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, settings

from kmsmock import KmsMock

# No per-example deadline: CI machines are shared and noisy, and a slow example is not a
# failing one (crypto-heavy properties take hundreds of milliseconds under load).
settings.register_profile("kmsmock", deadline=None)
# In CI (.ci/run sets CI), a property test cannot pass or fail by chance: the same examples
# every run (derandomize), no example database carried between runs, and no health check
# that times the machine.
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "kmsmock")

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
    recorded) less those the loaded botocore model lacks, then the values the model has gained
    since, in model order (kmsmock/protocol/enum_order.py), so a test holds on every botocore
    from the floor on."""
    from kmsmock.aws.service_model import service_model

    model = service_model().shape_for(shape).enum
    # A value AWS printed that the loaded (older) model lacks is not listed either.
    first = [value for value in printed.strip("[]").split(", ") if value in model]
    later = [value for value in model if value not in first]
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
    # boto3's default session keeps the credentials it first found (an earlier test's
    # environment): boto3.client() in this test must start from a session that has none.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


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


def model_has(thing: str) -> bool:
    """Whether the loaded botocore's KMS model has ``thing``: an operation (``"Encapsulate"``),
    a member of an operation's input or of a structure (``"Decrypt.DryRunModifiers"``,
    ``"KeyMetadata.CurrentKeyMaterialId"``), or an enum value (``"KeySpec:ML_DSA_44"``)."""
    from kmsmock.aws.service_model import operation_names, service_model

    model = service_model()
    if ":" in thing:
        shape, value = thing.split(":", 1)
        return shape in model.shape_names and value in model.shape_for(shape).enum
    if "." in thing:
        owner, member = thing.split(".", 1)
        if owner in operation_names():
            input_shape = model.operation_model(owner).input_shape
            owner = input_shape.name if input_shape is not None else ""
        return owner in model.shape_names and member in model.shape_for(owner).members
    return thing in operation_names()


def requires_model(*things: str) -> pytest.MarkDecorator:
    """Skip unless the loaded botocore's KMS model has every one of ``things`` (see
    ``model_has``). kmsmock serves what the installed model defines, from botocore 1.35 on: a
    test of what a later model added skips on an older one, keyed on the model itself rather
    than on version numbers. A mark: on a test, a class, a parameter or ``pytestmark``."""
    import botocore

    missing = [thing for thing in things if not model_has(thing)]
    return pytest.mark.skipif(
        bool(missing),
        reason=f"the KMS model of botocore {botocore.__version__} has no {', '.join(missing)}",
    )


def requires_cryptography(*specs: str) -> pytest.MarkDecorator:
    """Skip unless the installed `cryptography` makes keys of every one of ``specs`` (ML-DSA
    and ML-KEM-768/1024 need 48 or later: kmsmock/crypto/asymmetric.py)."""
    from cryptography import __version__

    from kmsmock.crypto.asymmetric import cryptography_makes

    missing = [spec for spec in specs if not cryptography_makes(spec)]
    return pytest.mark.skipif(
        bool(missing),
        reason=f"cryptography {__version__} makes no {', '.join(missing)} keys",
    )


def modelled(owner: str, expected: dict[str, Any]) -> dict[str, Any]:
    """``expected`` less the members the loaded botocore model does not define for ``owner``
    (an operation's output, or a structure such as ``"KeyMetadata"``): the answer a client of
    that botocore gets, as kmsmock serializes only the members its model defines. A test that
    compares whole answers holds from the floor on; one about a newer member uses
    ``requires_model`` instead."""
    from kmsmock.aws.service_model import operation_names, service_model

    model = service_model()
    if owner in operation_names():
        output = model.operation_model(owner).output_shape
        members = set(output.members) if output is not None else set()
    else:
        members = set(model.shape_for(owner).members)
    return {name: value for name, value in expected.items() if name in members}
