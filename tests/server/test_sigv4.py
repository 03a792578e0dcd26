"""kmsmock's SigV4 verification agrees with botocore's signer, and rejects what AWS rejects;
strict authentication's pieces (kmsmock.server.auth): the clock skew, unknown keys."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.backend.principals import Access, root_caller
from kmsmock.errors import KmsError
from kmsmock.server import auth, sigv4

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


# -- kmsmock.server.auth: strict authentication's pieces ---------------------------------------

NOW = datetime(2024, 8, 20, 23, 8, 2, 750000, tzinfo=timezone.utc)  # the fraction is dropped
EXPIRED = "Signature expired: {} is now earlier than 20240820T230302Z (20240820T230802Z - 5 min.)"
EARLY = (
    "Signature not yet current: {} is still later than 20240820T231302Z (20240820T230802Z + 5 min.)"  # noqa: E501
)


def date_error(headers: dict[str, str]) -> tuple[str, str] | None:
    try:
        auth.check_date(headers, NOW)
    except KmsError as error:
        return error.code, error.message
    return None


@pytest.mark.parametrize(
    ("amz_date", "expected"),
    [
        ("20240820T230802Z", None),
        ("20240820T230302Z", None),  # exactly 5 minutes old
        ("20240820T231302Z", None),  # exactly 5 minutes ahead
        ("20240820T230301Z", ("InvalidSignatureException", EXPIRED.format("20240820T230301Z"))),
        ("20240820T231303Z", ("InvalidSignatureException", EARLY.format("20240820T231303Z"))),
        ("20230101T000000Z", ("InvalidSignatureException", EXPIRED.format("20230101T000000Z"))),
    ],
    ids=["now", "5-min-old", "5-min-ahead", "5-min-1-s-old", "5-min-1-s-ahead", "a-year-old"],
)
def test_the_clock_skew_window(amz_date: str, expected: tuple[str, str] | None) -> None:
    assert date_error({"x-amz-date": amz_date}) == expected


@pytest.mark.parametrize(
    "value",
    [
        "Tue, 20 Aug 2024 23:08:02 GMT",
        "2024-08-20T23:08:02Z",
        "20240820T230802",
        "20241320T230802Z",
        "",
    ],
    ids=["rfc-1123", "extended", "no-zone", "month-13", "empty"],
)
def test_a_date_must_be_iso_8601_basic_format(value: str) -> None:
    assert date_error({"x-amz-date": value}) == (
        "IncompleteSignatureException",
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601",
    )


def test_the_date_header_stands_in_for_x_amz_date() -> None:
    assert date_error({"date": "20240820T230802Z"}) is None
    assert date_error({"date": "20240820T220802Z"}) == (
        "InvalidSignatureException",
        EXPIRED.format("20240820T220802Z"),
    )


def authenticate(request: AWSRequest, secret: str | None, *, strict: bool) -> None:
    headers = {
        k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()
    }
    headers.setdefault("host", request.url.split("/")[2])
    auth.authenticate(
        sigv4.parse_authorization(headers["authorization"], has_date=True),
        secret,
        strict=strict,
        method="POST",
        path="/",
        query="",
        headers=headers,
        body=request.body or b"",
    )


def raises(call: Any) -> tuple[str, str] | None:
    try:
        call()
    except KmsError as error:
        return error.code, error.message
    return None


def test_strict_authentication() -> None:
    request = botocore_signed(b"{}")  # signed now, with SECRET
    unrecognized = ("UnrecognizedClientException", auth.UNRECOGNIZED_CLIENT)
    assert auth.UNRECOGNIZED_CLIENT == "The security token included in the request is invalid."
    mismatch = ("InvalidSignatureException", sigv4.SIGNATURE_MISMATCH)
    assert raises(lambda: authenticate(request, SECRET, strict=True)) is None
    assert raises(lambda: authenticate(request, "other", strict=True)) == mismatch
    assert raises(lambda: authenticate(request, None, strict=True)) == unrecognized
    # Without strict: a key with no known secret is served unchecked, a known one is checked.
    assert raises(lambda: authenticate(request, None, strict=False)) is None
    assert raises(lambda: authenticate(request, "other", strict=False)) == mismatch
    # The date is checked first, and only when strict.
    with freeze_time("2020-01-01"):
        old = botocore_signed(b"{}")
    assert raises(lambda: authenticate(old, None, strict=False)) is None
    code, message = raises(lambda: authenticate(old, None, strict=True)) or ("", "")
    assert code == "InvalidSignatureException"
    assert message.startswith("Signature expired: 20200101T000000Z is now earlier than ")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("AKIAX:s", ("AKIAX", "s", None)),
        (
            "AKIAX:s/+=:arn:aws:iam::123456789012:role/a/b",
            ("AKIAX", "s/+=", "arn:aws:iam::123456789012:role/a/b"),
        ),
        ("AKIAX:s:", ("AKIAX", "s", None)),
    ],
    ids=["key-secret", "with-arn", "empty-arn"],
)
def test_parse_credentials(text: str, parsed: tuple[str, str, str | None]) -> None:
    assert auth.parse_credentials(text) == parsed


@pytest.mark.parametrize(
    "text",
    ["", "AKIAX", "AKIAX:", ":s", "AKIA X:s"],
    ids=["empty", "no-colon", "empty-secret", "empty-key", "space-in-key"],
)
def test_parse_credentials_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="ACCESS_KEY:SECRET"):
        auth.parse_credentials(text)


def test_keys_without_a_secret_are_unverifiable() -> None:
    access = Access()
    root = root_caller("123456789012")
    auth.add_credentials(access, "AKIAB", "s", root)
    access.callers["AKIAC"] = root
    access.callers["AKIAA"] = root
    assert auth.unverifiable(access) == ["AKIAA", "AKIAC"]
    auth.add_credentials(access, "AKIAA", "t", root)
    assert (auth.unverifiable(access), access.secret_keys["AKIAA"]) == (["AKIAC"], "t")
