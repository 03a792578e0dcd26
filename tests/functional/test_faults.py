"""Fault injection and opt-in request-rate quotas, through boto3 and botocore's retries."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION, error_of, fails, key_arn, new_key
from freezegun import freeze_time

from kmsmock import KmsMock, mock_kms
from kmsmock.errors import KmsMockUsageError

THROTTLED = (
    "ThrottlingException",
    "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
)


class _NoSleep:
    """botocore's endpoint module sees this as ``time``: retries happen without backoff sleeps."""

    @staticmethod
    def sleep(seconds: float) -> None:
        pass


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(botocore.endpoint, "time", _NoSleep())


def retrying(mode: str, retries: int = 3) -> BaseClient:
    # botocore's ``max_attempts`` counts retries: 3 means up to 4 requests in all.
    config = Config(retries={"mode": mode, "max_attempts": retries})
    return boto3.client("kms", region_name=REGION, config=config)


def once() -> BaseClient:
    """A client that sends each request once (``total_max_attempts`` counts every request)."""
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return boto3.client("kms", region_name=REGION, config=config)


@pytest.fixture
def no_retries(kms: KmsMock) -> BaseClient:
    return once()


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_throttles_within_the_retry_budget_are_absorbed(kms: KmsMock, mode: str) -> None:
    client = retrying(mode)
    key_id = new_key(client)["KeyId"]
    fault = kms.throttle("Encrypt", times=2)
    result = client.encrypt(KeyId=key_id, Plaintext=b"x")
    assert result["KeyId"] == key_arn(key_id)
    assert result["ResponseMetadata"]["RetryAttempts"] == 2
    assert (fault.hits, fault.attempts) == (2, 3)
    assert kms.fault_hits == {"Encrypt": 2}


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_throttles_beyond_the_retry_budget_surface(kms: KmsMock, mode: str) -> None:
    client = retrying(mode)
    key_id = new_key(client)["KeyId"]
    fault = kms.throttle("Encrypt", times=5)
    with pytest.raises(ClientError) as excinfo:
        client.encrypt(KeyId=key_id, Plaintext=b"x")
    assert error_of(excinfo) == THROTTLED
    metadata = excinfo.value.response["ResponseMetadata"]
    assert (metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == (400, 3)
    assert (fault.hits, fault.attempts) == (4, 4)
    # One throttle left, absorbed by the next call's first retry; then the rule is spent.
    assert client.encrypt(KeyId=key_id, Plaintext=b"x")["KeyId"] == key_arn(key_id)
    assert (fault.hits, fault.attempts) == (5, 6)
    assert client.encrypt(KeyId=key_id, Plaintext=b"x")["ResponseMetadata"]["RetryAttempts"] == 0


@pytest.mark.usefixtures("fast_retries")
def test_internal_errors_are_http_500_and_retried(kms: KmsMock) -> None:
    client = retrying("standard")
    key_id = new_key(client)["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    fault = kms.fail("Decrypt", times=2)
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    assert fault.attempts == 3
    kms.fail("Decrypt", code="KMSInternalException", message="boom", times=4)
    with pytest.raises(ClientError) as excinfo:
        client.decrypt(CiphertextBlob=blob)
    assert error_of(excinfo) == ("KMSInternalException", "boom")
    metadata = excinfo.value.response["ResponseMetadata"]
    assert (metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == (500, 3)


def test_custom_error_is_not_retried_and_changes_nothing(
    kms: KmsMock, no_retries: BaseClient
) -> None:
    client = no_retries
    key_id = new_key(client)["KeyId"]
    kms.fail("DisableKey", code="DependencyTimeoutException", message="slow", times=1)
    assert fails(client.disable_key, KeyId=key_id) == ("DependencyTimeoutException", "slow")
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"] is True
    client.disable_key(KeyId=key_id)
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"] is False


def test_default_messages(kms: KmsMock, no_retries: BaseClient) -> None:
    kms.fail("GenerateRandom", times=1)
    assert fails(no_retries.generate_random, NumberOfBytes=8) == (
        "KMSInternalException",
        "The request was rejected because an internal exception occurred. "
        "The request can be retried.",
    )
    kms.fail("GenerateRandom", code="NotFoundException", times=1)
    assert fails(no_retries.generate_random, NumberOfBytes=8) == ("NotFoundException", "")


@pytest.mark.parametrize("how", ["id", "arn", "alias"])
def test_key_scoped_faults(kms: KmsMock, no_retries: BaseClient, how: str) -> None:
    client = no_retries
    target = new_key(client)["KeyId"]
    other = new_key(client)["KeyId"]
    client.create_alias(AliasName="alias/target", TargetKeyId=target)
    named = {"id": target, "arn": key_arn(target), "alias": "alias/target"}[how]
    kms.throttle("Encrypt", key=named)
    blob = client.encrypt(KeyId=other, Plaintext=b"x")["CiphertextBlob"]
    for reference in (target, key_arn(target), "alias/target"):
        assert fails(client.encrypt, KeyId=reference, Plaintext=b"x") == THROTTLED
    # Decrypt names its key only in the ciphertext.
    kms.throttle("Decrypt", key=named)
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    kms.clear_faults()
    target_blob = client.encrypt(KeyId=target, Plaintext=b"y")["CiphertextBlob"]
    kms.throttle("Decrypt", key=named)
    assert fails(client.decrypt, CiphertextBlob=target_blob) == THROTTLED


def test_principal_scoped_faults(kms: KmsMock) -> None:
    kms.world.access.enforce = False
    role = "arn:aws:iam::123456789012:role/app"
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    app = boto3.client("kms", region_name=REGION, config=config, **kms.credentials(role))
    admin = boto3.client("kms", region_name=REGION, config=config)
    kms.fail("GenerateRandom", code="AccessDeniedException", message="no", principal=role)
    assert len(admin.generate_random(NumberOfBytes=4)["Plaintext"]) == 4
    assert fails(app.generate_random, NumberOfBytes=4) == ("AccessDeniedException", "no")
    # The session's own ARN matches too.
    kms.clear_faults()
    session = "arn:aws:sts::123456789012:assumed-role/app/kmsmock"
    kms.fail("GenerateRandom", code="AccessDeniedException", message="no", principal=session)
    assert fails(app.generate_random, NumberOfBytes=4) == ("AccessDeniedException", "no")
    assert len(admin.generate_random(NumberOfBytes=4)["Plaintext"]) == 4


def _pattern(no_retries: BaseClient) -> list[bool]:
    outcome = []
    for _ in range(40):
        try:
            no_retries.generate_random(NumberOfBytes=1)
            outcome.append(True)
        except ClientError:
            outcome.append(False)
    return outcome


def test_seeded_probability_is_reproducible(kms: KmsMock, no_retries: BaseClient) -> None:
    kms.fail("GenerateRandom", probability=0.3, seed=7)
    first = _pattern(no_retries)
    kms.clear_faults()
    kms.fail("GenerateRandom", probability=0.3, seed=7)
    assert _pattern(no_retries) == first
    assert 0 < first.count(False) < 40
    assert kms.fault_hits == {"GenerateRandom": first.count(False)}
    kms.clear_faults()
    kms.fail("GenerateRandom", probability=0.3, seed=8)
    assert _pattern(no_retries) != first


def test_probability_with_times_stops_after_times(kms: KmsMock, no_retries: BaseClient) -> None:
    fault = kms.fail("GenerateRandom", probability=1, times=3)
    assert _pattern(no_retries).count(False) == 3
    assert (fault.hits, fault.attempts) == (3, 40)


def test_clear_faults(kms: KmsMock, no_retries: BaseClient) -> None:
    kms.throttle("GenerateRandom")
    assert fails(no_retries.generate_random, NumberOfBytes=1) == THROTTLED
    assert len(kms.faults) == 1
    kms.clear_faults()
    assert kms.faults == [] and kms.fault_hits == {}
    assert len(no_retries.generate_random(NumberOfBytes=1)["Plaintext"]) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"operation": "Encrpyt"}, "'Encrpyt' is not a KMS operation"),
        ({"operation": "Encrypt", "probability": 0}, "probability must be a number"),
        ({"operation": "Encrypt", "probability": 1.5}, "probability must be a number"),
        ({"operation": "Encrypt", "probability": True}, "probability must be a number"),
        ({"operation": "Encrypt", "times": 0}, "times must be a positive integer"),
        ({"operation": "Encrypt", "code": "not a code"}, "code must be an error code"),
        ({"operation": "Encrypt", "seed": 3}, "seed only applies with probability="),
        ({"operation": "Encrypt", "key": ""}, "key must be a key ID, key ARN, alias name"),
    ],
)
def test_usage_errors(kms: KmsMock, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(KmsMockUsageError, match=message):
        kms.fail(**kwargs)
    assert kms.faults == []


# -- quotas ----------------------------------------------------------------------------------


def test_quotas_are_off_by_default(kms: KmsMock, no_retries: BaseClient) -> None:
    with freeze_time("2024-05-01 12:00:00"):
        for _ in range(8):
            new_key(no_retries)


def test_per_api_quota_over_a_frozen_second() -> None:
    with freeze_time("2024-05-01 12:00:00") as frozen, mock_kms(quotas=True):
        client = once()
        for _ in range(5):  # CreateKey: 5 per second
            new_key(client)
        assert fails(client.create_key) == THROTTLED
        frozen.tick(0.999)
        assert fails(client.create_key) == THROTTLED
        frozen.tick(0.001)
        new_key(client)
        # Other Regions and accounts have their own quota.
        boto3.client("kms", region_name="eu-west-1").create_key()


def test_shared_crypto_quota_by_key_type(kms: KmsMock, no_retries: BaseClient) -> None:
    client = no_retries
    with freeze_time("2024-05-01 12:00:00"):
        symmetric = new_key(client)["KeyId"]
        rsa = new_key(client, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyId"]
        kms.enable_quotas({"cryptographic-symmetric": 2, "cryptographic-rsa": 1})
        client.encrypt(KeyId=symmetric, Plaintext=b"x")
        client.generate_random(NumberOfBytes=1)  # shares the symmetric quota
        assert fails(client.encrypt, KeyId=symmetric, Plaintext=b"x") == THROTTLED
        client.encrypt(KeyId=rsa, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
        assert (
            fails(
                client.encrypt, KeyId=rsa, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256"
            )
            == THROTTLED
        )
        kms.disable_quotas()
        client.encrypt(KeyId=symmetric, Plaintext=b"x")


@pytest.mark.usefixtures("fast_retries")
def test_quota_throttles_are_retried_by_botocore(kms: KmsMock) -> None:
    client = retrying("standard", 3)
    with freeze_time("2024-05-01 12:00:00"):
        kms.enable_quotas({"DescribeKey": 1})
        key_id = new_key(client)["KeyId"]
        client.describe_key(KeyId=key_id)
        assert fails(client.describe_key, KeyId=key_id) == THROTTLED


def test_quota_usage_errors(kms: KmsMock) -> None:
    with pytest.raises(KmsMockUsageError, match="to a positive number of requests per second"):
        kms.enable_quotas({"CreateKey": 0})
    with pytest.raises(KmsMockUsageError, match="quotas must be True or False"):
        mock_kms(quotas="yes")  # type: ignore[arg-type]


def test_quota_limits_reads_the_quotas_in_force() -> None:
    with mock_kms() as kms:
        assert kms.quota_limits["CreateKey"] == 5
        assert "cryptographic-symmetric" not in kms.quota_limits  # by Region unless set
        kms.enable_quotas({"CreateKey": 2, "cryptographic-symmetric": 10})
        assert kms.quota_limits["CreateKey"] == 2
        assert kms.quota_limits["cryptographic-symmetric"] == 10
        kms.disable_quotas()
        assert kms.quota_limits["CreateKey"] == 5
