"""KMS requests sent with `requests` (signed by requests-aws4auth or botocore's SigV4Auth) are
served by the active mock, and the user's own `responses` mocks are left alone."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import unittest.mock
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import requests
import responses
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests_aws4auth import AWS4Auth

from kmsmock import KmsMock, _intercept, _requests, mock_kms

REGION = "us-east-1"
ACCOUNT = "123456789012"
KMS_URL = f"https://kms.{REGION}.amazonaws.com/"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/billing-exec"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/billing-exec/billing"


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy in the environment would take requests that are meant to reach the local
    server, or the (blocked) network, directly."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def kms_call(
    operation: str,
    body: Any = None,
    *,
    url: str = KMS_URL,
    region: str = REGION,
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    session: requests.Session | None = None,
) -> requests.Response:
    """A KMS request as code signing with requests-aws4auth sends it."""
    sender: Any = session if session is not None else requests
    response: requests.Response = sender.post(
        url,
        data=json.dumps({} if body is None else body),
        headers={
            "X-Amz-Target": f"TrentService.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
        },
        auth=AWS4Auth(access_key, secret_key, region, "kms"),
        timeout=5,
    )
    return response


def botocore_signed_call(
    operation: str, body: Any, *, credentials: Credentials, region: str = REGION
) -> requests.Response:
    """A KMS request signed by botocore's SigV4Auth, then sent with requests."""
    request = AWSRequest(
        method="POST",
        url=f"https://kms.{region}.amazonaws.com/",
        data=json.dumps(body).encode(),
        headers={
            "X-Amz-Target": f"TrentService.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    SigV4Auth(credentials, "kms", region).add_auth(request)
    prepared = request.prepare()
    return requests.post(
        prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=5
    )


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


# -- the user's own `responses` mocks --------------------------------------------------------

LOCAL = "https://api.example.test/things"


def test_a_responses_mock_inside_the_mock_keeps_its_urls_and_calls(kms: KmsMock) -> None:
    with responses.RequestsMock() as user:
        user.get(LOCAL, json={"mine": True})
        assert kms_call("CreateKey").status_code == 200
        assert requests.get(LOCAL, timeout=5).json() == {"mine": True}
        assert kms_call("ListKeys").status_code == 200
        # Only the user's own request: kmsmock's never reach their mock.
        assert [call.request.url for call in user.calls] == [LOCAL]
        # A URL they did not register is refused by their mock, as without kmsmock.
        with pytest.raises(requests.ConnectionError) as excinfo:
            requests.get("https://api.example.test/other", timeout=5)
        assert str(excinfo.value).startswith(
            "Connection refused by Responses - the call doesn't match any registered mock."
        )


def test_kms_requests_do_not_count_against_assert_all_requests_are_fired(
    kms: KmsMock,
) -> None:
    user = responses.RequestsMock(assert_all_requests_are_fired=True)
    user.start()
    user.get(LOCAL, body="fired")
    user.get(f"{LOCAL}/never", body="not fired")
    kms_call("ListKeys")
    requests.get(LOCAL, timeout=5)
    with pytest.raises(AssertionError) as excinfo:
        user.stop()
    assert str(excinfo.value) == (f"Not all requests have been executed [('GET', '{LOCAL}/never')]")
    user.reset()

    # All theirs fired: KMS requests made in between do not upset the check.
    with responses.RequestsMock(assert_all_requests_are_fired=True) as user:
        user.get(LOCAL, body="fired")
        kms_call("ListKeys")
        requests.get(LOCAL, timeout=5)


def test_a_responses_mock_around_the_mock(blocked_network: list[Any]) -> None:
    with responses.RequestsMock() as user:
        user.post(LOCAL, json={"mine": True})
        with mock_kms():
            assert kms_call("CreateKey").status_code == 200
            assert requests.post(LOCAL, timeout=5).json() == {"mine": True}
        # The mock has stopped: KMS requests reach the user's mock, which refuses them as it
        # refuses any URL it does not know.
        with pytest.raises(requests.ConnectionError) as excinfo:
            kms_call("ListKeys")
        assert "Connection refused by Responses" in str(excinfo.value)
        assert [call.request.url for call in user.calls] == [LOCAL, KMS_URL]
    assert blocked_network == []


def test_mocks_stopping_out_of_order(blocked_network: list[Any]) -> None:
    user = responses.RequestsMock(assert_all_requests_are_fired=False)
    user.get(LOCAL, body="mine")
    user.start()
    mock = mock_kms().start()
    try:
        user.stop()  # before the kms mock: responses puts back the real send
        assert kms_call("ListKeys").status_code == 200
        with pytest.raises(requests.ConnectionError):
            requests.get(LOCAL, timeout=5)  # now the (blocked) network
        user.start()
        assert requests.get(LOCAL, timeout=5).text == "mine"
        assert kms_call("ListKeys").status_code == 200
    finally:
        mock.stop()
        user.stop()
    assert blocked_network == [("api.example.test", 443)]


@responses.activate
def _decorated_test(kms_url: str) -> list[str]:
    responses.add(responses.GET, LOCAL, body="module-level")
    assert kms_call("ListKeys", url=kms_url).status_code == 200
    assert requests.get(LOCAL, timeout=5).text == "module-level"
    return [call.request.url for call in responses.calls]


def test_responses_activate_and_the_module_level_mock(kms: KmsMock) -> None:
    assert _decorated_test(KMS_URL) == [LOCAL]


def test_the_users_passthrough_still_reaches_the_network(kms: KmsMock, local_server: str) -> None:
    with responses.RequestsMock(passthru_prefixes=(local_server,)) as user:
        user.get(LOCAL, body="mine")
        assert requests.get(f"{local_server}/passed", timeout=5).text == "local GET /passed"
        assert requests.get(LOCAL, timeout=5).text == "mine"
        assert kms_call("ListKeys").status_code == 200
        # responses records no call it passes through.
        assert [call.request.url for call in user.calls] == [LOCAL]


# -- what is not intercepted -----------------------------------------------------------------


@pytest.fixture
def local_server() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that says what it was asked."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            text = f"local {self.command} {self.path}".encode() + body
            self.send_response(200)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_other_urls_go_to_the_network_untouched(kms: KmsMock, local_server: str) -> None:
    assert requests.get(f"{local_server}/a?b=c", timeout=5).text == "local GET /a?b=c"
    # Even a request shaped as KMS's: only KMS's endpoints are served.
    response = requests.post(
        f"{local_server}/",
        data="{}",
        headers={"X-Amz-Target": "TrentService.ListKeys"},
        auth=AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, "kms"),
        timeout=5,
    )
    assert response.text == "local POST /{}"


@pytest.mark.parametrize(
    "url",
    [
        "https://kms.us-east-1.amazonaws.com.example.test/",
        "https://notkms.us-east-1.amazonaws.com/",
        "https://sts.us-east-1.amazonaws.com/",
        "https://kms.amazonaws.com/",
        "https://kms.us-east-1.api.aws/",
        "https://example.test/kms.us-east-1.amazonaws.com/",
    ],
)
def test_hosts_that_only_look_like_kms_are_not_served(
    kms: KmsMock, blocked_network: list[Any], url: str
) -> None:
    with pytest.raises(requests.ConnectionError):
        kms_call("ListKeys", url=url)
    assert blocked_network != []


def test_without_the_requests_extra_nothing_is_patched(
    monkeypatch: pytest.MonkeyPatch, blocked_network: list[Any]
) -> None:
    monkeypatch.setattr(_requests, "_available", lambda: False)
    original = requests.Session.get_adapter
    with mock_kms():
        assert requests.Session.get_adapter is original
        with pytest.raises(requests.ConnectionError):
            kms_call("ListKeys")
    assert blocked_network == [("kms.us-east-1.amazonaws.com", 443)]


def test_importing_kmsmock_imports_neither_requests_nor_responses() -> None:
    code = (
        "import sys, kmsmock\n"
        "print(sorted({'requests', 'responses', 'aiobotocore'} & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


# -- starting and stopping -------------------------------------------------------------------


def test_nested_mocks_share_one_registration_and_stop_removes_it(
    blocked_network: list[Any],
) -> None:
    original = requests.Session.get_adapter
    assert not _requests.installed()
    with mock_kms():
        ours = requests.Session.get_adapter
        assert ours is not original
        key_id = kms_call("CreateKey").json()["KeyMetadata"]["KeyId"]
        with mock_kms():
            assert requests.Session.get_adapter is ours
            assert kms_call("DescribeKey", {"KeyId": key_id}).status_code == 200
        assert requests.Session.get_adapter is ours
        assert kms_call("DescribeKey", {"KeyId": key_id}).status_code == 200
        listed = boto3.client("kms", region_name=REGION).list_keys()["Keys"]
        assert [k["KeyId"] for k in listed] == [key_id]
    assert requests.Session.get_adapter is original
    assert not _requests.installed()
    assert blocked_network == []

    # After the mock, KMS requests go to the network again (refused here).
    with pytest.raises(requests.ConnectionError):
        kms_call("ListKeys")
    assert blocked_network == [("kms.us-east-1.amazonaws.com", 443)]


def test_a_patch_made_over_kmsmocks_survives_its_stop(blocked_network: list[Any]) -> None:
    """Someone patches get_adapter while the mock runs and restores it after the mock has
    stopped: kmsmock's stop must not undo their patch, nor stack a second wrapper later."""
    original = requests.Session.get_adapter
    mock = mock_kms().start()
    theirs = unittest.mock.patch.object(
        requests.Session, "get_adapter", autospec=True, side_effect=requests.Session.get_adapter
    )
    patched = theirs.start()
    try:
        assert kms_call("ListKeys").status_code == 200
        mock.stop()
        assert requests.Session.get_adapter is patched
        with pytest.raises(requests.ConnectionError):
            kms_call("ListKeys")  # no mock: passed on to the network
        assert blocked_network == [("kms.us-east-1.amazonaws.com", 443)]
    finally:
        theirs.stop()
    assert _requests.installed()
    assert requests.Session.get_adapter is not original  # kmsmock's, inert
    with mock_kms():
        assert kms_call("ListKeys").status_code == 200
    assert requests.Session.get_adapter is original
    assert not _requests.installed()


def test_no_kms_request_reaches_the_network(blocked_network: list[Any]) -> None:
    with mock_kms():
        key_id = kms_call("CreateKey").json()["KeyMetadata"]["KeyId"]
        for operation, body in [
            ("DescribeKey", {"KeyId": key_id}),
            ("Encrypt", {"KeyId": key_id, "Plaintext": "eA=="}),
            ("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"}),
            ("ListAliases", {}),
            ("DescribeKey", {"KeyId": "alias/missing"}),
        ]:
            kms_call(operation, body)
            botocore_signed_call(operation, body, credentials=Credentials(ACCESS_KEY, SECRET_KEY))
    assert blocked_network == []
