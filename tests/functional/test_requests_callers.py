"""KMS requests sent with `requests` (signed by requests-aws4auth or botocore's SigV4Auth) are
served by the active mock, and its errors are answered as AWS answers them."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
import requests
from botocore.credentials import Credentials
from helpers_requests_callers import (
    ACCESS_KEY,
    KMS_URL,
    REGION,
    SECRET_KEY,
    botocore_signed_call,
    kms_call,
    no_proxies_fixture,  # noqa: F401
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests_aws4auth import AWS4Auth

from kmsmock import KmsMock, mock_kms
from kmsmock.seams import botocore_hook as _intercept

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/billing-exec"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/billing-exec/billing"


def error_body(response: requests.Response) -> tuple[int, str, str]:
    data = response.json()
    return response.status_code, data["__type"], data.get("message", "")


# -- served ----------------------------------------------------------------------------------


def test_a_request_signed_with_requests_aws4auth_is_served(kms: KmsMock) -> None:
    created = kms_call("CreateKey", {"Description": "from requests"})
    assert created.status_code == 200
    assert created.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert len(created.headers["x-amzn-RequestId"]) == 36
    assert created.headers["Content-Length"] == str(len(created.content))
    assert created.url == KMS_URL
    key = created.json()["KeyMetadata"]
    assert key["Arn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key['KeyId']}"
    assert key["Description"] == "from requests"

    # The same world as boto3's: one backend, whoever sends.
    client = boto3.client("kms", region_name=REGION)
    assert client.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Arn"] == key["Arn"]

    encrypted = kms_call(
        "Encrypt",
        {"KeyId": key["KeyId"], "Plaintext": base64.b64encode(b"secret").decode()},
    ).json()
    assert encrypted["KeyId"] == key["Arn"]
    blob = base64.b64decode(encrypted["CiphertextBlob"])
    # Ciphertext made through requests decrypts through boto3, and the other way round.
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    other = client.encrypt(KeyId=key["KeyId"], Plaintext=b"back")["CiphertextBlob"]
    decrypted = kms_call("Decrypt", {"CiphertextBlob": base64.b64encode(other).decode()})
    assert base64.b64decode(decrypted.json()["Plaintext"]) == b"back"


def test_a_request_signed_by_botocores_sigv4auth_is_served(kms: KmsMock) -> None:
    credentials = Credentials(ACCESS_KEY, SECRET_KEY)
    created = botocore_signed_call("CreateKey", {}, credentials=credentials, region="eu-west-3")
    assert created.status_code == 200
    assert created.json()["KeyMetadata"]["Arn"].startswith(f"arn:aws:kms:eu-west-3:{ACCOUNT}:key/")
    listed = botocore_signed_call("ListKeys", {}, credentials=credentials, region="eu-west-3")
    assert [k["KeyArn"] for k in listed.json()["Keys"]] == [created.json()["KeyMetadata"]["Arn"]]


def test_issued_credentials_act_as_their_principal(kms: KmsMock) -> None:
    client = boto3.client("kms", region_name=REGION)
    key_arn = client.create_key()["KeyMetadata"]["Arn"]
    role = kms.credentials(ROLE, session_name="billing")
    denied = kms_call(
        "Encrypt",
        {"KeyId": key_arn, "Plaintext": "eA=="},
        access_key=role["aws_access_key_id"],
        secret_key=role["aws_secret_access_key"],
    )
    assert error_body(denied) == (
        400,
        "AccessDeniedException",
        f"User: {SESSION_ARN} is not authorized to perform: kms:Encrypt on resource: "
        f"{key_arn} because no identity-based policy allows the kms:Encrypt action",
    )
    # boto3 with the same credentials is refused identically.
    as_role = boto3.client("kms", region_name=REGION, **role)
    with pytest.raises(as_role.exceptions.ClientError) as excinfo:
        as_role.encrypt(KeyId=key_arn, Plaintext=b"x")
    assert excinfo.value.response["Error"]["Message"] == denied.json()["message"]

    kms.set_identity_policy(
        ROLE,
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}],
        },
    )
    allowed = kms_call(
        "Encrypt",
        {"KeyId": key_arn, "Plaintext": "eA=="},
        access_key=role["aws_access_key_id"],
        secret_key=role["aws_secret_access_key"],
    )
    assert allowed.status_code == 200
    assert kms.events[-1].principal == SESSION_ARN


def test_a_session_made_before_the_mock_is_served(blocked_network: list[Any]) -> None:
    session = requests.Session()
    with pytest.raises(requests.ConnectionError):
        kms_call("ListKeys", session=session)
    with mock_kms():
        assert kms_call("ListKeys", session=session).json() == {
            "Keys": [],
            "Truncated": False,
        }


def test_requests_from_other_threads_are_served(kms: KmsMock) -> None:
    session = requests.Session()

    def create(_: int) -> str:
        arn: str = kms_call("CreateKey", session=session).json()["KeyMetadata"]["Arn"]
        return arn

    with ThreadPoolExecutor(max_workers=8) as pool:
        arns = set(pool.map(create, range(40)))
    assert len(arns) == 40
    listed = boto3.client("kms", region_name=REGION).list_keys(Limit=1000)["Keys"]
    assert {k["KeyArn"] for k in listed} == arns


@pytest.mark.parametrize(
    ("url", "region", "arn_prefix"),
    [
        ("https://kms.eu-central-1.amazonaws.com/", "eu-central-1", "arn:aws:kms:eu-central-1:"),
        ("https://kms-fips.us-west-2.amazonaws.com/", "us-west-2", "arn:aws:kms:us-west-2:"),
        (
            "https://kms.cn-north-1.amazonaws.com.cn/",
            "cn-north-1",
            "arn:aws-cn:kms:cn-north-1:",
        ),
        ("https://kms.us-gov-west-1.amazonaws.com", "us-gov-west-1", "arn:aws-us-gov:kms:"),
        ("https://kms.us-east-1.amazonaws.com:443/", "us-east-1", "arn:aws:kms:us-east-1:"),
    ],
)
def test_every_kms_endpoint_is_served(
    kms: KmsMock, blocked_network: list[Any], url: str, region: str, arn_prefix: str
) -> None:
    created = kms_call("CreateKey", url=url, region=region)
    assert created.status_code == 200
    assert created.json()["KeyMetadata"]["Arn"].startswith(arn_prefix)
    assert blocked_network == []


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    area=st.sampled_from(["us", "eu", "ap", "ca", "sa", "me", "af", "il", "mx"]),
    direction=st.sampled_from(["east", "west", "north", "south", "central", "northeast"]),
    number=st.integers(min_value=1, max_value=9),
    fips=st.booleans(),
)
def test_any_regions_endpoint_is_served_for_its_region(
    kms: KmsMock, area: str, direction: str, number: int, fips: bool
) -> None:
    region = f"{area}-{direction}-{number}"
    host = f"kms{'-fips' if fips else ''}.{region}.amazonaws.com"
    created = kms_call("CreateKey", url=f"https://{host}/", region=region)
    assert created.json()["KeyMetadata"]["Arn"].startswith(f"arn:aws:kms:{region}:{ACCOUNT}:")


def test_an_unsigned_request_is_served_as_the_root_in_the_hosts_region(kms: KmsMock) -> None:
    """No credential scope: the Region comes from the host name, as for botocore's unsigned
    requests."""
    response = requests.post(
        "https://kms.eu-north-1.amazonaws.com/",
        data="{}",
        headers={"X-Amz-Target": "TrentService.CreateKey"},
        timeout=5,
    )
    assert response.json()["KeyMetadata"]["Arn"].startswith(f"arn:aws:kms:eu-north-1:{ACCOUNT}:")
    assert kms.events[-1].principal == f"arn:aws:iam::{ACCOUNT}:root"


# -- errors ----------------------------------------------------------------------------------


def test_errors_are_answered_as_aws_answers_them(kms: KmsMock) -> None:
    missing = kms_call("DescribeKey", {"KeyId": "fake-key-id"})
    assert error_body(missing) == (400, "NotFoundException", "Invalid keyId 'fake-key-id'")
    assert missing.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert len(missing.headers["x-amzn-RequestId"]) == 36
    assert missing.reason == "Bad Request"
    with pytest.raises(requests.HTTPError):
        missing.raise_for_status()

    assert error_body(kms_call("GenerateRandom", {"NumberOfBytes": 0})) == (
        400,
        "ValidationException",
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1",
    )
    key_id = kms_call("CreateKey").json()["KeyMetadata"]["KeyId"]
    kms_call("DisableKey", {"KeyId": key_id})
    assert error_body(kms_call("Encrypt", {"KeyId": key_id, "Plaintext": "eA=="})) == (
        400,
        "DisabledException",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id} is disabled.",
    )


def test_the_same_error_as_boto3_gets(kms: KmsMock) -> None:
    """Whatever the operation answers, requests and boto3 get the same code and message."""
    client = boto3.client("kms", region_name=REGION)
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    with pytest.raises(client.exceptions.KMSInvalidStateException) as excinfo:
        client.encrypt(KeyId=key_id, Plaintext=b"x")
    expected = excinfo.value.response["Error"]
    got = kms_call("Encrypt", {"KeyId": key_id, "Plaintext": "eA=="}).json()
    assert (got["__type"], got["message"]) == (expected["Code"], expected["Message"])


@pytest.mark.parametrize(
    "target",
    ["TrentService.MakeCoffee", "CreateKey", "KmsService.CreateKey", "", "TrentService."],
)
def test_a_target_naming_no_kms_operation_is_an_unknown_operation(
    kms: KmsMock, target: str
) -> None:
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if target:
        headers["X-Amz-Target"] = target
    response = requests.post(
        KMS_URL,
        data="{}",
        headers=headers,
        auth=AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, "kms"),
        timeout=5,
    )
    assert error_body(response) == (400, "UnknownOperationException", "")
    assert boto3.client("kms", region_name=REGION).list_keys()["Keys"] == []


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"NumberOfBytes": "8"}'])
def test_a_body_aws_cannot_read_is_a_serialization_error(kms: KmsMock, body: bytes) -> None:
    response = requests.post(
        KMS_URL,
        data=body,
        headers={"X-Amz-Target": "TrentService.GenerateRandom"},
        auth=AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, "kms"),
        timeout=5,
    )
    assert error_body(response) == (400, "SerializationException", "")


def test_bodies_of_every_kind_requests_sends_are_read(kms: KmsMock) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"NumberOf'
        yield b'Bytes": 12}'

    for body in (chunks(), b'{"NumberOfBytes": 12}', '{"NumberOfBytes": 12}'):
        response = requests.post(
            KMS_URL,
            data=body,
            headers={"X-Amz-Target": "TrentService.GenerateRandom"},
            timeout=5,
        )
        assert len(base64.b64decode(response.json()["Plaintext"])) == 12
    # An empty body is an empty request, as for botocore's requests.
    empty = requests.post(KMS_URL, headers={"X-Amz-Target": "TrentService.ListKeys"}, timeout=5)
    assert empty.json() == {"Keys": [], "Truncated": False}


def test_a_streamed_response_reads_as_any_other(kms: KmsMock) -> None:
    response = requests.post(
        KMS_URL,
        data='{"NumberOfBytes": 32}',
        headers={"X-Amz-Target": "TrentService.GenerateRandom"},
        stream=True,
        timeout=5,
    )
    data = json.loads(b"".join(response.iter_content(chunk_size=7)))
    assert len(base64.b64decode(data["Plaintext"])) == 32


def test_a_kmsmock_bug_is_an_internal_error(kms: KmsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(request: Any) -> Any:
        raise ValueError("no scope")

    monkeypatch.setattr(_intercept, "_signer_scope", broken)
    assert error_body(kms_call("ListKeys")) == (
        400,
        "KMSInternalException",
        "kmsmock failed serving ListKeys: ValueError: no scope. "
        "This is a kmsmock bug; please report it.",
    )
