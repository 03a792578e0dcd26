"""aiobotocore clients (``async with session.create_client("kms")``) are served by the mock
with the same behaviour as boto3's: answers, errors, pagination, retries, credentials."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from kmsmock import KmsMock, mock_kms
from kmsmock.operations import dispatch, table

# aiobotocore is the optional extra kmsmock[aio]: without it, nothing here can run.
pytest.importorskip("aiobotocore", reason="aiobotocore (kmsmock[aio]) is not installed")
import aiobotocore.session  # noqa: E402
from aiobotocore.config import AioConfig  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/billing-exec"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/billing-exec/billing"
UNROUTABLE = "http://127.0.0.1:9"
ONE_SHORT_ATTEMPT = AioConfig(
    retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1, read_timeout=1
)


@asynccontextmanager
async def kms_client(region: str = REGION, **kwargs: Any) -> AsyncIterator[Any]:
    session = aiobotocore.session.get_session()
    async with session.create_client("kms", region_name=region, **kwargs) as client:
        yield client


def code_and_message(error: ClientError) -> tuple[str, str]:
    return error.response["Error"]["Code"], error.response["Error"]["Message"]


# -- served ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_create_encrypt_decrypt(kms: KmsMock) -> None:
    async with kms_client("eu-west-1") as client:
        key = (await client.create_key(Description="async"))["KeyMetadata"]
        assert key["Arn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{key['KeyId']}"
        assert key["Description"] == "async"
        encrypted = await client.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")
        assert encrypted["KeyId"] == key["Arn"]
        decrypted = await client.decrypt(CiphertextBlob=encrypted["CiphertextBlob"])
        assert decrypted["Plaintext"] == b"secret"
        assert decrypted["KeyId"] == key["Arn"]
        metadata = decrypted["ResponseMetadata"]
        assert (metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == (200, 0)
        assert len(metadata["RequestId"]) == 36
    # One world: boto3 sees the key and decrypts what aiobotocore encrypted.
    sync = boto3.client("kms", region_name="eu-west-1")
    assert sync.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Arn"] == key["Arn"]
    blob = encrypted["CiphertextBlob"]
    assert sync.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


@pytest.mark.asyncio
async def test_sign_and_verify(kms: KmsMock) -> None:
    async with kms_client() as client:
        key_id = (await client.create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256"))[
            "KeyMetadata"
        ]["KeyId"]
        signature = (
            await client.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
        )["Signature"]
        verified = await client.verify(
            KeyId=key_id, Message=b"m", Signature=signature, SigningAlgorithm="ECDSA_SHA_256"
        )
        assert verified["SignatureValid"] is True
        with pytest.raises(client.exceptions.KMSInvalidSignatureException) as excinfo:
            await client.verify(
                KeyId=key_id, Message=b"n", Signature=signature, SigningAlgorithm="ECDSA_SHA_256"
            )
        assert code_and_message(excinfo.value) == ("KMSInvalidSignatureException", "")


@pytest.mark.asyncio
async def test_errors_are_client_errors_with_aws_codes_and_messages(kms: KmsMock) -> None:
    async with kms_client() as client:
        with pytest.raises(client.exceptions.NotFoundException) as excinfo:
            await client.describe_key(KeyId="fake-key-id")
        response = excinfo.value.response
        assert code_and_message(excinfo.value) == (
            "NotFoundException",
            "Invalid keyId 'fake-key-id'",
        )
        assert response["message"] == "Invalid keyId 'fake-key-id'"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400

        key_id = (await client.create_key())["KeyMetadata"]["KeyId"]
        await client.disable_key(KeyId=key_id)
        with pytest.raises(client.exceptions.DisabledException) as disabled:
            await client.encrypt(KeyId=key_id, Plaintext=b"x")
        assert code_and_message(disabled.value) == (
            "DisabledException",
            f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id} is disabled.",
        )

    async with kms_client(config=AioConfig(parameter_validation=False)) as raw:
        with pytest.raises(ClientError) as invalid:
            await raw.generate_random(NumberOfBytes=0)
        assert code_and_message(invalid.value) == (
            "ValidationException",
            "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1",
        )
        assert "message" not in invalid.value.response


@pytest.mark.asyncio
async def test_pagination(kms: KmsMock) -> None:
    async with kms_client() as client:
        created = [(await client.create_key())["KeyMetadata"]["KeyId"] for _ in range(5)]
        paginator = client.get_paginator("list_keys")
        pages = [page async for page in paginator.paginate(PaginationConfig={"PageSize": 2})]
        assert [len(page["Keys"]) for page in pages] == [2, 2, 1]
        assert [page["Truncated"] for page in pages] == [True, True, False]
        listed = [key["KeyId"] for page in pages for key in page["Keys"]]
        assert sorted(listed) == sorted(created)
        full = await paginator.paginate(PaginationConfig={"PageSize": 3}).build_full_result()
        assert sorted(key["KeyId"] for key in full["Keys"]) == sorted(created)


@pytest.mark.asyncio
async def test_concurrent_tasks_are_served(kms: KmsMock) -> None:
    async with kms_client() as client:
        results = await asyncio.gather(*(client.create_key() for _ in range(20)))
        arns = {result["KeyMetadata"]["Arn"] for result in results}
        assert len(arns) == 20
        listed = (await client.list_keys())["Keys"]
        assert {key["KeyArn"] for key in listed} == arns


@pytest.mark.asyncio
async def test_a_client_made_before_the_mock_is_served(no_credentials: None) -> None:
    """No credentials anywhere, and the client made before the mock started: the request is
    signed with fake credentials aiobotocore's signer can await."""
    async with kms_client(endpoint_url=UNROUTABLE, config=ONE_SHORT_ATTEMPT) as client:
        with pytest.raises(NoCredentialsError):
            await client.list_keys()
        with mock_kms():
            key = (await client.create_key())["KeyMetadata"]
            assert key["Arn"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
            assert (await client.list_keys())["Keys"] == [
                {"KeyId": key["KeyId"], "KeyArn": key["Arn"]}
            ]
            # A client made inside the mock signs with the environment's fake credentials.
            async with kms_client("eu-west-2") as inside:
                assert (await inside.list_keys())["Keys"] == []
        with pytest.raises(NoCredentialsError):
            await client.list_keys()


@pytest.mark.asyncio
@mock_kms
async def test_the_decorator_on_a_coroutine_function() -> None:
    async with kms_client() as client:
        assert (await client.list_keys())["Keys"] == []
        await client.create_key()
        assert len((await client.list_keys())["Keys"]) == 1


@pytest.mark.asyncio
async def test_issued_credentials_act_as_their_principal(kms: KmsMock) -> None:
    async with kms_client() as client:
        key_arn = (await client.create_key())["KeyMetadata"]["Arn"]
    async with kms_client(**kms.credentials(ROLE, session_name="billing")) as as_role:
        with pytest.raises(ClientError) as excinfo:
            await as_role.encrypt(KeyId=key_arn, Plaintext=b"x")
    assert code_and_message(excinfo.value) == (
        "AccessDeniedException",
        f"User: {SESSION_ARN} is not authorized to perform: kms:Encrypt on resource: "
        f"{key_arn} because no identity-based policy allows the kms:Encrypt action",
    )


@pytest.mark.asyncio
async def test_an_unsigned_client_is_served_in_its_region(kms: KmsMock) -> None:
    async with kms_client("ap-south-1", config=AioConfig(signature_version=UNSIGNED)) as client:
        key = (await client.create_key())["KeyMetadata"]
    assert key["Arn"].startswith(f"arn:aws:kms:ap-south-1:{ACCOUNT}:key/")


@pytest.mark.asyncio
async def test_throttling_is_retried_by_aiobotocore(kms: KmsMock) -> None:
    fault = kms.throttle("ListKeys", times=2)
    async with kms_client(config=AioConfig(retries={"mode": "standard"})) as client:
        response = await client.list_keys()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert fault.hits == 2

    kms.throttle("ListKeys", times=5)
    async with kms_client(
        config=AioConfig(retries={"mode": "standard", "total_max_attempts": 2})
    ) as client:
        with pytest.raises(ClientError) as excinfo:
            await client.list_keys()
    assert excinfo.value.response["Error"]["Code"] == "ThrottlingException"
    assert excinfo.value.response["ResponseMetadata"]["RetryAttempts"] == 1


@pytest.mark.asyncio
async def test_a_kmsmock_bug_is_an_internal_error_and_is_not_retried(
    kms: KmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []

    def boom(context: Any, params: Any) -> Any:
        calls.append(params)
        raise RuntimeError("boom")

    dispatch.implemented()  # every operation is registered before one is replaced
    monkeypatch.setitem(table.OPERATIONS, "ListKeys", boom)
    async with kms_client(config=AioConfig(retries={"mode": "standard"})) as client:
        with pytest.raises(client.exceptions.KMSInternalException) as excinfo:
            await client.list_keys()
    assert code_and_message(excinfo.value) == (
        "KMSInternalException",
        "kmsmock failed serving ListKeys: RuntimeError: boom. "
        "This is a kmsmock bug; please report it.",
    )
    metadata = excinfo.value.response["ResponseMetadata"]
    assert (metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == (400, 0)
    assert len(calls) == 1


# -- nothing escapes -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_no_request_leaves_the_process(blocked_network: list[Any]) -> None:
    # Proof that the block works: outside a mock, a request tries to connect.
    async with kms_client(
        endpoint_url=UNROUTABLE,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="secret",
        config=ONE_SHORT_ATTEMPT,
    ) as outside:
        with pytest.raises(EndpointConnectionError):
            await outside.list_keys()
    assert blocked_network != []
    blocked_network.clear()

    with mock_kms():
        async with kms_client() as client:
            key_id = (await client.create_key())["KeyMetadata"]["KeyId"]
            await client.create_alias(AliasName="alias/app", TargetKeyId=key_id)
            blob = (await client.encrypt(KeyId="alias/app", Plaintext=b"p"))["CiphertextBlob"]
            await client.decrypt(CiphertextBlob=blob)
            await client.generate_data_key(KeyId=key_id, KeySpec="AES_256")
            await client.generate_random(NumberOfBytes=8)
            await client.list_aliases()
            _ = [page async for page in client.get_paginator("list_keys").paginate()]
            with pytest.raises(ClientError):
                await client.describe_key(KeyId="alias/missing")
    assert blocked_network == []
