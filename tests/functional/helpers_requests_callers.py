"""What the `requests` caller tests share: credentials, KMS requests signed and sent with
`requests`, and the autouse fixture that clears proxies from the environment."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

REGION = "us-east-1"
KMS_URL = f"https://kms.{REGION}.amazonaws.com/"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture(autouse=True, name="no_proxies")
def no_proxies_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
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
