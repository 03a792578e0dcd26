"""What kmsmock intercepts, and what it leaves alone: clients made before the mock, other
threads, custom endpoints, unsigned requests, other services, the network, credentials, and
how requests kmsmock cannot serve are answered."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from conftest import error_of

from kmsmock import KmsMock, mock_kms
from kmsmock.backend.state import World
from kmsmock.operations import dispatch, table
from kmsmock.protocol.service import serve
from kmsmock.seams import botocore_hook as _intercept

REGION = "us-east-1"
ACCOUNT = "123456789012"
UNROUTABLE = "http://127.0.0.1:9"
ONE_SHORT_ATTEMPT = Config(
    retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1, read_timeout=1
)

# Made when this module is imported, long before any mock starts (and after the plugin has
# imported kmsmock at pytest start-up).
SESSION_FROM_IMPORT_TIME = boto3.session.Session(region_name="eu-west-2")


@pytest.fixture
def env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials (and a region) in the environment, as a developer's shell might have."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLETOKEN")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}


# -- clients and sessions made before the mock -----------------------------------------------


def test_client_and_session_made_before_the_mock_are_intercepted(no_credentials: None) -> None:
    client = boto3.client("kms", region_name=REGION, endpoint_url=UNROUTABLE)
    session = boto3.session.Session(region_name="eu-west-1")
    with pytest.raises(NoCredentialsError):
        client.list_keys()  # no mock, no credentials: botocore's own failure

    with mock_kms():
        key = client.create_key()["KeyMetadata"]
        assert key["Arn"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
        assert client.list_keys()["Keys"] == [{"KeyId": key["KeyId"], "KeyArn": key["Arn"]}]
        session_key = session.client("kms").create_key()["KeyMetadata"]
        assert session_key["Arn"].startswith(f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/")
        from_import_time = SESSION_FROM_IMPORT_TIME.client("kms").create_key()["KeyMetadata"]
        assert from_import_time["Arn"].startswith(f"arn:aws:kms:eu-west-2:{ACCOUNT}:key/")

    # The fake credentials the mock signed with did not stick to the client.
    with pytest.raises(NoCredentialsError):
        client.list_keys()


def test_client_made_before_the_mock_with_credentials_is_intercepted(
    env_credentials: None,
) -> None:
    client = boto3.client("kms", region_name=REGION, endpoint_url=UNROUTABLE)
    with mock_kms():
        assert client.list_keys()["Keys"] == []
    with pytest.raises(EndpointConnectionError):
        boto3.client(
            "kms", region_name=REGION, endpoint_url=UNROUTABLE, config=ONE_SHORT_ATTEMPT
        ).list_keys()


# -- threads, endpoints, regions -------------------------------------------------------------


def test_calls_from_other_threads_are_served_by_the_active_mock(kms: KmsMock) -> None:
    shared = boto3.client("kms", region_name=REGION)

    def with_shared_client(_: int) -> str:
        arn: str = shared.create_key()["KeyMetadata"]["Arn"]
        return arn

    def with_own_session(_: int) -> str:
        client = boto3.session.Session().client("kms", region_name=REGION)
        arn: str = client.create_key()["KeyMetadata"]["Arn"]
        return arn

    with ThreadPoolExecutor(max_workers=8) as pool:
        arns = list(pool.map(with_shared_client, range(24)))
        arns += list(pool.map(with_own_session, range(8)))

    assert len(set(arns)) == 32
    listed = shared.list_keys(Limit=1000)["Keys"]
    assert sorted(k["KeyArn"] for k in listed) == sorted(arns)
    assert sum(len(r.keys) for r in kms.world.regions.values()) == 32


def test_a_client_with_a_custom_endpoint_is_served(kms: KmsMock) -> None:
    local = boto3.client("kms", region_name="eu-west-1", endpoint_url="http://localhost:4566")
    key = local.create_key(Description="local")["KeyMetadata"]
    assert key["Arn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{key['KeyId']}"
    plain = boto3.client("kms", region_name="eu-west-1")
    assert plain.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Description"] == "local"


def test_the_region_is_the_clients(kms: KmsMock) -> None:
    ireland = boto3.client("kms", region_name="eu-west-1")
    virginia = boto3.client("kms", region_name="us-east-1")
    key = ireland.create_key()["KeyMetadata"]

    assert [k["KeyId"] for k in ireland.list_keys()["Keys"]] == [key["KeyId"]]
    assert virginia.list_keys()["Keys"] == []
    with pytest.raises(ClientError) as excinfo:
        virginia.describe_key(KeyId=key["KeyId"])
    assert error_of(excinfo) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:us-east-1:{ACCOUNT}:key/{key['KeyId']}' does not exist",
    )


@pytest.mark.parametrize(
    ("region", "endpoint_url"),
    [
        ("eu-west-1", None),
        ("eu-west-1", "http://localhost:4566"),
        ("ap-southeast-2", "https://kms.ap-southeast-2.amazonaws.com"),
    ],
)
def test_unsigned_requests_are_served_in_the_clients_region(
    kms: KmsMock, region: str, endpoint_url: str | None
) -> None:
    """A request with no Authorization header has no credential scope to take the region
    from; it is served, in the client's region, rather than crashing the handler."""
    unsigned = boto3.client(
        "kms",
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(signature_version=UNSIGNED),
    )
    seen: list[dict[str, Any]] = []
    unsigned.meta.events.register(
        "before-send.kms", lambda request, **_: seen.append(dict(request.headers))
    )
    arn = unsigned.create_key()["KeyMetadata"]["Arn"]
    assert arn.startswith(f"arn:aws:kms:{region}:{ACCOUNT}:key/")
    assert "Authorization" not in seen[0]
    signed = boto3.client("kms", region_name=region)
    assert [k["KeyArn"] for k in signed.list_keys()["Keys"]] == [arn]


def test_the_region_header_is_never_added_outside_a_mock(env_credentials: None) -> None:
    unsigned = boto3.client(
        "kms",
        region_name="eu-west-1",
        endpoint_url=UNROUTABLE,
        config=Config(
            signature_version=UNSIGNED,
            retries={"total_max_attempts": 1},
            connect_timeout=1,
        ),
    )
    seen: list[dict[str, Any]] = []
    unsigned.meta.events.register(
        "before-send.kms", lambda request, **_: seen.append(dict(request.headers))
    )
    with pytest.raises(EndpointConnectionError):
        unsigned.list_keys()
    assert _intercept.REGION_HEADER not in seen[0]


def test_a_request_whose_authorization_header_is_missing_is_served(kms: KmsMock) -> None:
    """Someone else's before-send hook may strip the header; the region then comes from
    the endpoint's host name."""
    client = boto3.client("kms", region_name="sa-east-1")

    def strip(request: Any, **_: Any) -> None:
        del request.headers["Authorization"]

    # Registered first, so it runs before kmsmock's handler.
    client.meta.events.register_first("before-send.kms", strip)
    arn = client.create_key()["KeyMetadata"]["Arn"]
    assert arn.startswith(f"arn:aws:kms:sa-east-1:{ACCOUNT}:key/")


# -- what is not intercepted -----------------------------------------------------------------


def test_no_mock_active_means_no_interception(env_credentials: None) -> None:
    client = boto3.client(
        "kms", region_name=REGION, endpoint_url=UNROUTABLE, config=ONE_SHORT_ATTEMPT
    )
    with pytest.raises(EndpointConnectionError) as excinfo:
        client.list_keys()
    assert str(excinfo.value) == f'Could not connect to the endpoint URL: "{UNROUTABLE}/"'
    with mock_kms():
        assert client.list_keys()["Keys"] == []
    with pytest.raises(EndpointConnectionError):
        client.list_keys()


@pytest.mark.parametrize(
    ("service", "call"),
    [
        ("sts", lambda client: client.get_caller_identity()),
        ("s3", lambda client: client.list_buckets()),
        ("secretsmanager", lambda client: client.list_secrets()),
    ],
)
def test_other_services_are_untouched_while_a_mock_is_active(
    kms: KmsMock, service: str, call: Callable[[BaseClient], Any]
) -> None:
    other = boto3.client(
        service, region_name=REGION, endpoint_url=UNROUTABLE, config=ONE_SHORT_ATTEMPT
    )
    with pytest.raises(EndpointConnectionError):
        call(other)
    assert boto3.client("kms", region_name=REGION).list_keys()["Keys"] == []


# -- nothing escapes -------------------------------------------------------------------------


def test_no_kms_request_reaches_the_network(
    no_credentials: None, blocked_network: list[Any]
) -> None:
    # Proof that the block works: outside a mock, a request tries to connect.
    with pytest.raises(EndpointConnectionError):
        boto3.client(
            "kms",
            region_name=REGION,
            endpoint_url=UNROUTABLE,
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="secret",
            config=ONE_SHORT_ATTEMPT,
        ).list_keys()
    assert blocked_network != []
    blocked_network.clear()

    # A session of its own: boto3's default one may have been made before the fixture
    # disabled the instance metadata service, which botocore would then ask (outside the
    # mock) for credentials.
    before_mock = boto3.session.Session().client("kms", region_name="eu-central-1")
    with mock_kms():
        client = boto3.client("kms", region_name=REGION)
        key_id = client.create_key(Description="d")["KeyMetadata"]["KeyId"]
        client.describe_key(KeyId=key_id)
        client.create_alias(AliasName="alias/app", TargetKeyId=key_id)
        client.list_aliases()
        blob = client.encrypt(KeyId="alias/app", Plaintext=b"p")["CiphertextBlob"]
        client.decrypt(CiphertextBlob=blob)
        client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key_id)
        client.generate_data_key(KeyId=key_id, KeySpec="AES_256")
        client.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16)
        client.generate_random(NumberOfBytes=8)
        client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "k", "TagValue": "v"}])
        client.list_resource_tags(KeyId=key_id)
        client.get_key_policy(KeyId=key_id, PolicyName="default")
        client.disable_key(KeyId=key_id)
        client.enable_key(KeyId=key_id)
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        client.cancel_key_deletion(KeyId=key_id)
        list(client.get_paginator("list_keys").paginate())
        before_mock.list_keys()
        with pytest.raises(ClientError):
            client.describe_key(KeyId="alias/missing")
        with pytest.raises(ClientError):
            client.create_grant(KeyId=key_id, GranteePrincipal="p", Operations=["Decrypt"])
    assert blocked_network == []


# -- credentials -----------------------------------------------------------------------------


def test_no_credentials_anywhere_just_works_and_the_environment_comes_back(
    no_credentials: None,
) -> None:
    before = environment()
    with mock_kms():
        client = boto3.client("kms", region_name="eu-west-3")
        key = client.create_key()["KeyMetadata"]
        assert key["Arn"].startswith(f"arn:aws:kms:eu-west-3:{ACCOUNT}:key/")
        # With no region configured anywhere, one is supplied as well.
        assert boto3.client("kms").meta.region_name == "us-east-1"
    assert environment() == before


def test_credentials_in_the_environment_are_left_alone_and_still_served_in_process(
    env_credentials: None, blocked_network: list[Any]
) -> None:
    before = environment()
    seen: list[str] = []
    with mock_kms():
        assert environment() == before
        client = boto3.client("kms", region_name=REGION)
        client.meta.events.register(
            "before-send.kms",
            lambda request, **_: seen.append(request.headers["Authorization"].decode()),
        )
        assert client.list_keys()["Keys"] == []
    assert environment() == before
    assert blocked_network == []
    assert "Credential=AKIAIOSFODNN7EXAMPLE/" in seen[0]


def test_the_mocks_fake_credentials_do_not_outlive_it(
    no_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions cache the credentials they first resolve; those resolved from the fake ones
    the mock put in the environment are forgotten when it stops."""
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    session = boto3.session.Session()
    with mock_kms():
        session.client("kms", region_name=REGION).list_keys()
        boto3.client("kms", region_name=REGION).list_keys()
        assert session.get_credentials() is not None
    assert session.get_credentials() is None
    for client in (
        session.client("kms", region_name=REGION, endpoint_url=UNROUTABLE),
        boto3.client("kms", region_name=REGION, endpoint_url=UNROUTABLE),
    ):
        with pytest.raises(NoCredentialsError):
            client.list_keys()


def test_the_environment_comes_back_when_the_body_raises(no_credentials: None) -> None:
    before = environment()
    with pytest.raises(LookupError), mock_kms():
        assert os.environ["AWS_ACCESS_KEY_ID"]
        raise LookupError
    assert environment() == before


# -- requests kmsmock cannot serve -----------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        (
            "CreateGrant",
            lambda c, key: c.create_grant(
                KeyId=key, GranteePrincipal="arn:aws:iam::123456789012:root", Operations=["Sign"]
            ),
        ),
        (
            "DeriveSharedSecret",
            lambda c, key: c.derive_shared_secret(
                KeyId=key, KeyAgreementAlgorithm="ECDH", PublicKey=b"k"
            ),
        ),
        ("ListGrants", lambda c, key: c.list_grants(KeyId=key)),
    ],
)
def test_an_operation_kmsmock_does_not_implement_says_so(
    client: BaseClient,
    operation: str,
    call: Callable[[BaseClient, str], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    # Every operation may be served one day: take this one out to see the answer for those
    # that are not.
    monkeypatch.delitem(table.OPERATIONS, operation, raising=False)
    with pytest.raises(ClientError) as excinfo:
        call(client, key_id)
    assert error_of(excinfo) == (
        "NotImplementedException",
        f"kmsmock does not implement the KMS operation {operation} yet. "
        "docs/operations.md in kmsmock's documentation lists what is served.",
    )
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_unimplemented_operation_says_so_before_validating(
    raw_client: BaseClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation errors would only lead to NotImplementedException once fixed."""
    dispatch.implemented()  # loads the operations, so the one taken out stays out
    monkeypatch.delitem(table.OPERATIONS, "CreateGrant")
    with pytest.raises(ClientError) as excinfo:
        raw_client.create_grant()
    assert error_of(excinfo)[0] == "NotImplementedException"


@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_a_kmsmock_bug_is_an_internal_error_and_is_not_retried(
    kms: KmsMock, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    calls: list[Any] = []

    def boom(context: Any, params: Any) -> Any:
        calls.append(params)
        raise RuntimeError("boom")

    dispatch.implemented()  # every operation is registered before one is replaced
    monkeypatch.setitem(table.OPERATIONS, "ListKeys", boom)
    client = boto3.client("kms", region_name=REGION, config=Config(retries={"mode": mode}))
    with pytest.raises(client.exceptions.KMSInternalException) as excinfo:
        client.list_keys()
    assert error_of(excinfo) == (  # type: ignore[arg-type]
        "KMSInternalException",
        "kmsmock failed serving ListKeys: RuntimeError: boom. "
        "This is a kmsmock bug; please report it.",
    )
    metadata = excinfo.value.response["ResponseMetadata"]
    assert metadata["HTTPStatusCode"] == 400
    assert metadata["RetryAttempts"] == 0
    assert len(calls) == 1


def test_a_bug_in_the_handler_itself_is_an_internal_error(
    kms: KmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: Any) -> Any:
        raise ValueError("no scope")

    monkeypatch.setattr(_intercept, "_signer_scope", broken)
    client = boto3.client("kms", region_name=REGION)
    with pytest.raises(ClientError) as excinfo:
        client.list_keys()
    assert error_of(excinfo) == (
        "KMSInternalException",
        "kmsmock failed serving ListKeys: ValueError: no scope. "
        "This is a kmsmock bug; please report it.",
    )
    metadata = excinfo.value.response["ResponseMetadata"]
    assert (metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == (400, 0)
    assert metadata["RequestId"]


def test_an_operation_the_model_does_not_have_is_unknown() -> None:
    status, headers, body = serve(World(), "MakeCoffee", b"{}", account=ACCOUNT, region=REGION)
    assert status == 400
    assert json.loads(body) == {"__type": "UnknownOperationException"}
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["x-amzn-RequestId"]


# -- the error wire format -------------------------------------------------------------------


def test_errors_look_as_they_do_from_aws(client: BaseClient) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as excinfo:
        client.describe_key(KeyId="fake-key-id")
    response = excinfo.value.response
    assert response["Error"] == {
        "Code": "NotFoundException",
        "Message": "Invalid keyId 'fake-key-id'",
    }
    # Modelled exceptions with a message also carry it at the top level, as botocore parses
    # AWS's answers.
    assert response["message"] == "Invalid keyId 'fake-key-id'"
    metadata = response["ResponseMetadata"]
    assert metadata["HTTPStatusCode"] == 400
    assert metadata["RetryAttempts"] == 0
    assert metadata["RequestId"] == metadata["HTTPHeaders"]["x-amzn-requestid"]
    assert len(metadata["RequestId"]) == 36


def test_each_request_has_its_own_request_id(client: BaseClient) -> None:
    ids = {client.list_keys()["ResponseMetadata"]["RequestId"] for _ in range(5)}
    assert len(ids) == 5


def test_validation_errors_are_not_modelled_and_have_no_top_level_message(
    raw_client: BaseClient,
) -> None:
    with pytest.raises(ClientError) as excinfo:
        raw_client.generate_random(NumberOfBytes=0)
    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1",
    )
    assert "message" not in excinfo.value.response
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    ("exception", "call"),
    [
        ("NotFoundException", lambda c, key: c.describe_key(KeyId="alias/none")),
        ("DisabledException", lambda c, key: c.encrypt(KeyId=key, Plaintext=b"x")),
        ("InvalidCiphertextException", lambda c, key: c.decrypt(CiphertextBlob=b"x" * 40)),
        (
            "KMSInvalidStateException",
            lambda c, key: c.cancel_key_deletion(KeyId=key),
        ),
    ],
)
def test_modelled_errors_raise_the_clients_exception_classes(
    client: BaseClient, exception: str, call: Callable[[BaseClient, str], Any]
) -> None:
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    client.disable_key(KeyId=key_id)
    with pytest.raises(getattr(client.exceptions, exception)) as excinfo:
        call(client, key_id)
    assert excinfo.value.response["Error"]["Code"] == exception
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
