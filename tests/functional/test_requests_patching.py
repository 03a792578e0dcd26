"""kmsmock's patch of `requests`: the user's own `responses` mocks are left alone, other URLs
go to the network untouched, and starting and stopping the mock add and remove the patch."""

from __future__ import annotations

import subprocess
import sys
import threading
import unittest.mock
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import requests
import responses
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
from requests_aws4auth import AWS4Auth

from kmsmock import KmsMock, mock_kms
from kmsmock.seams import requests_adapter as _requests

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
