"""Read and verify AWS Signature Version 4 on a request to the local endpoint.

The server needs SigV4 for two things: *who* asks (the access key and the Region of the
credential scope) and, for access keys whose secret the world knows (credentials issued by
``KmsMock.credentials``), whether the signature is right. The canonical request is built as
botocore's ``SigV4Auth`` builds it (and as AWS documents it), from what arrived on the wire.

This module checks signatures only; which access keys are accepted, and whether the age of
``X-Amz-Date`` counts (``--strict-auth``), is decided in ``kmsmock.server.auth``.
"""

from __future__ import annotations

import hashlib
import hmac
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote

from kmsmock.errors import KmsError

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

# AWS's texts for the authentication errors of its JSON (Coral) services.
MISSING_TOKEN = "Request is missing Authentication Token"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation "
    "for details."
)

_PARAM = re.compile(r"([A-Za-z]+)=([^,\s]*)")
_SCOPE = re.compile(r"([^/]+)/([0-9]{8})/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Signature:
    """The parts of one ``Authorization: AWS4-HMAC-SHA256 ...`` header."""

    access_key: str
    date: str  # YYYYMMDD, of the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def missing_token() -> KmsError:
    return KmsError("MissingAuthenticationTokenException", MISSING_TOKEN)


def parse_authorization(header: str | None, *, has_date: bool) -> Signature:
    """The signature an ``Authorization`` header carries; ``KmsError`` as AWS answers a
    missing or incomplete one (``has_date``: whether X-Amz-Date or Date was sent)."""
    if not header or not header.strip():
        raise missing_token()
    algorithm, _, rest = header.strip().partition(" ")
    # AWS treats any other scheme (Basic, Bearer, SigV2) as carrying no SigV4 token at all.
    if not algorithm.startswith("AWS4-"):
        raise missing_token()
    params = dict(_PARAM.findall(rest))
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not params.get(name)
    ]
    if not has_date:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if missing:
        raise KmsError(
            "IncompleteSignatureException", " ".join([*missing, f"Authorization={header}"])
        )
    if algorithm != ALGORITHM:
        # Only HMAC-SHA256 is defined for SigV4 (SigV4a is for multi-Region access points).
        raise KmsError(
            "IncompleteSignatureException", f"Unsupported AWS 'algorithm': '{algorithm}'"
        )
    scope = _SCOPE.fullmatch(params["Credential"])
    if scope is None:
        raise KmsError(
            "IncompleteSignatureException",
            f"Credential should be scoped to a valid region. Credential={params['Credential']}",
        )
    return Signature(
        access_key=scope.group(1),
        date=scope.group(2),
        region=scope.group(3),
        service=scope.group(4),
        signed_headers=tuple(params["SignedHeaders"].split(";")),
        signature=params["Signature"],
    )


def canonical_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: tuple[str, ...],
    body: bytes,
) -> str:
    """The canonical request, as botocore's ``SigV4Auth.canonical_request`` makes it.

    ``headers`` maps lower-cased names to values (several values of one name joined with
    ``,``, as botocore signs them)."""
    lines = [method.upper(), _canonical_uri(path), _canonical_query(query)]
    lines.append(
        "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed_headers)
    )
    lines.append(";".join(signed_headers))
    content_hash = headers.get("x-amz-content-sha256")
    # A client may declare the payload unsigned; any other declared hash must be the body's,
    # so the body's own hash is used (a wrong declaration then fails the signature).
    if content_hash != UNSIGNED_PAYLOAD:
        content_hash = hashlib.sha256(body).hexdigest()
    lines.append(content_hash)
    return "\n".join(lines)


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def expected_signature(
    signature: Signature,
    secret: str,
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> str:
    """The signature a client holding ``secret`` would have sent for this request."""
    amz_date = headers.get("x-amz-date") or headers.get("date", "")
    canonical = canonical_request(method, path, query, headers, signature.signed_headers, body)
    key = signing_key(secret, signature.date, signature.region, signature.service)
    text = string_to_sign(amz_date, signature.scope, canonical)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(
    signature: Signature,
    secret: str,
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> None:
    """Raise AWS's ``InvalidSignatureException`` unless the request was signed with
    ``secret``."""
    expected = expected_signature(
        signature, secret, method=method, path=path, query=query, headers=headers, body=body
    )
    if not hmac.compare_digest(expected, signature.signature):
        raise KmsError("InvalidSignatureException", SIGNATURE_MISMATCH)


def _canonical_uri(path: str) -> str:
    # botocore removes dot segments and percent-encodes all but unreserved characters and "/"
    # (for every service but S3); the path arrives encoded, so it is decoded first.
    path = unquote(path) or "/"
    normalized = posixpath.normpath(path) if path != "/" else "/"
    if normalized.startswith("//"):  # normpath keeps a leading "//"
        normalized = "/" + normalized.lstrip("/")
    if path.endswith("/") and not normalized.endswith("/"):
        normalized += "/"
    return quote(normalized, safe="/~")


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        pairs.append((key, value))
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))
