"""kmsmock's SigV4 verification agrees with botocore's signer, and rejects what AWS rejects."""

from __future__ import annotations

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.errors import KmsError
from kmsmock.server import sigv4

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def botocore_signed(
    body: bytes,
    *,
    region: str = "us-east-1",
    url: str = "http://127.0.0.1:4599/",
    headers: dict[str, str] | None = None,
    token: str | None = None,
) -> AWSRequest:
    request = AWSRequest(method="POST", url=url, data=body, headers=headers or {})
    SigV4Auth(Credentials("AKIDEXAMPLE", SECRET, token), "kms", region).add_auth(request)
    return request


def check(request: AWSRequest, secret: str = SECRET, body: bytes | None = None) -> None:
    """Verify ``request`` as the server does, from what it would receive on the wire."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        text = value.decode() if isinstance(value, bytes) else value
        key = name.lower()
        headers[key] = f"{headers[key]},{text.strip()}" if key in headers else text.strip()
    if "host" not in headers:
        headers["host"] = request.url.split("/")[2]
    signature = sigv4.parse_authorization(headers["authorization"], has_date=True)
    path, _, query = request.url.split("/", 3)[3].partition("?")
    sigv4.verify(
        signature,
        secret,
        method=request.method,
        path="/" + path,
        query=query,
        headers=headers,
        body=(request.body or b"") if body is None else body,
    )


def test_a_botocore_signature_verifies() -> None:
    request = botocore_signed(b'{"KeyId":"alias/x"}', headers={"X-Amz-Target": "TrentService.X"})
    check(request)


@settings(max_examples=50)
@given(
    body=st.binary(max_size=300),
    region=st.sampled_from(["us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1"]),
    value=st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40
    ),
    token=st.none() | st.text(alphabet="abcdefABCDEF0123456789+/=", min_size=1, max_size=60),
    query=st.sampled_from(["", "?b=2&a=1", "?a=%20x&a=y"]),
)
def test_any_botocore_signature_verifies(
    body: bytes, region: str, value: str, token: str | None, query: str
) -> None:
    """Bodies, Regions, header values with runs of spaces, session tokens and query strings:
    kmsmock computes the signature botocore computed."""
    request = botocore_signed(
        body,
        region=region,
        url=f"http://localhost:4599/{query}",
        headers={"X-Amz-Target": "TrentService.Encrypt", "X-Amz-Meta-Thing": value},
        token=token,
    )
    check(request)
    with pytest.raises(KmsError) as excinfo:
        check(request, body=body + b" ")
    assert (excinfo.value.code, excinfo.value.message) == (
        "InvalidSignatureException",
        sigv4.SIGNATURE_MISMATCH,
    )


def test_the_wrong_secret_is_an_invalid_signature() -> None:
    request = botocore_signed(b"{}")
    with pytest.raises(KmsError) as excinfo:
        check(request, secret=SECRET + "x")
    assert excinfo.value.code == "InvalidSignatureException"
    assert excinfo.value.message == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service "
        "documentation for details."
    )


def test_the_scope_names_the_access_key_and_region() -> None:
    request = botocore_signed(b"{}", region="ap-south-2")
    header = request.headers["Authorization"]
    parsed = sigv4.parse_authorization(header, has_date=True)
    assert parsed.access_key == "AKIDEXAMPLE"
    assert parsed.region == "ap-south-2"
    assert parsed.service == "kms"
    assert parsed.signed_headers == ("host", "x-amz-date")
    assert parsed.date == request.headers["X-Amz-Date"][:8]


@pytest.mark.parametrize("header", [None, "", "   ", "Basic dXNlcjpwYXNz", "Bearer abc"])
def test_no_sigv4_header_is_a_missing_token(header: str | None) -> None:
    with pytest.raises(KmsError) as excinfo:
        sigv4.parse_authorization(header, has_date=True)
    assert (excinfo.value.code, excinfo.value.message) == (
        "MissingAuthenticationTokenException",
        "Request is missing Authentication Token",
    )


def test_an_incomplete_header_names_every_missing_part() -> None:
    header = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms/aws4_request"
    with pytest.raises(KmsError) as excinfo:
        sigv4.parse_authorization(header, has_date=False)
    assert (excinfo.value.code, excinfo.value.message) == (
        "IncompleteSignatureException",
        "Authorization header requires 'Signature' parameter. Authorization header requires "
        "'SignedHeaders' parameter. Authorization header requires existence of either a "
        f"'X-Amz-Date' or a 'Date' header. Authorization={header}",
    )


def test_a_malformed_credential_scope() -> None:
    header = "AWS4-HMAC-SHA256 Credential=AKID/us-east-1, SignedHeaders=host, Signature=ab"
    with pytest.raises(KmsError) as excinfo:
        sigv4.parse_authorization(header, has_date=True)
    assert (excinfo.value.code, excinfo.value.message) == (
        "IncompleteSignatureException",
        "Credential should be scoped to a valid region. Credential=AKID/us-east-1",
    )


def test_another_algorithm() -> None:
    header = "AWS4-ECDSA-P256-SHA256 Credential=A/20240101/us-east-1/kms/aws4_request, "
    header += "SignedHeaders=host, Signature=ab"
    with pytest.raises(KmsError) as excinfo:
        sigv4.parse_authorization(header, has_date=True)
    assert (excinfo.value.code, excinfo.value.message) == (
        "IncompleteSignatureException",
        "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'",
    )


def test_unsigned_payload_is_honoured() -> None:
    """A client that declares the payload unsigned (x-amz-content-sha256) signs that word."""
    request = AWSRequest(method="POST", url="http://h:1/", data=b"{}")
    request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    SigV4Auth(Credentials("AKIDEXAMPLE", SECRET), "kms", "us-east-1").add_auth(request)
    check(request, body=b"anything")


@pytest.mark.parametrize(
    ("path", "canonical"),
    [("/", "/"), ("", "/"), ("/a/./b/../c", "/a/c"), ("/a%20b", "/a%20b"), ("//x/", "/x/")],
)
def test_canonical_uri(path: str, canonical: str) -> None:
    assert sigv4.canonical_request("POST", path, "", {}, (), b"").split("\n")[1] == canonical
