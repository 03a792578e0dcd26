"""Who may call the local endpoint: the default (any access key) and ``--strict-auth``.

By default the endpoint is a test double that trusts its callers: any access key is accepted
(one kmsmock did not issue acts as the account root), and only the signatures of keys whose
secret kmsmock knows are checked. With ``strict=True`` it authenticates as AWS does:

1. the request's date must be ISO 8601 basic format and within ``MAX_SKEW`` of the server's
   clock (``InvalidSignatureException``, "Signature expired" / "Signature not yet current");
2. the access key must be one kmsmock knows the secret of: issued by ``KmsMock.credentials``,
   listed with a ``secret_access_key`` in a seed or state file, or given by
   ``kmsmock serve --credentials`` (else ``UnrecognizedClientException``);
3. the signature must be the one that secret makes (``InvalidSignatureException``).

Checks 1 and 2 come in this order because the date needs no look-up; AWS's own order for a
request that fails both is not documented. Session tokens are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from kmsmock.backend.principals import Access
from kmsmock.errors import KmsError
from kmsmock.policy.model import Caller
from kmsmock.server import sigv4

# KMS refuses a signature more than 5 minutes off its clock: KMS callers report
# "Signature expired: 20181105T215603Z is now earlier than 20181105T221104Z (20181105T221604Z
# - 5 min.)" (github.com/aws/aws-sdk-js/issues/2340, kms.encrypt) and the same "- 5 min." in
# github.com/aws/aws-sdk-js-v3/issues/6400 (@aws-sdk/client-kms, 2024); AWS's signing guide:
# "a request must reach AWS within five minutes of the time stamp in the request". Some older
# services allow 15 minutes; KMS does not.
MAX_SKEW = timedelta(minutes=5)
_SKEW_MINUTES = int(MAX_SKEW.total_seconds() // 60)

# AWS's message for an access key it does not know (HTTP 400 from KMS's JSON protocol).
UNRECOGNIZED_CLIENT = "The security token included in the request is invalid."

_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_BASIC_FORMAT = re.compile(r"[0-9]{8}T[0-9]{6}Z")
# What botocore and the AWS CLI take as an access key ID (as seed files take them).
_ACCESS_KEY = re.compile(r"\w{1,128}")


def authenticate(
    signature: sigv4.Signature,
    secret: str | None,
    *,
    strict: bool,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> None:
    """Raise the ``KmsError`` AWS would answer unless this request may be served.

    ``secret``: the secret of ``signature.access_key`` if kmsmock knows it. ``headers`` maps
    lower-cased names to values, as ``sigv4.canonical_request`` takes them."""
    if strict:
        check_date(headers)
        if secret is None:
            raise KmsError("UnrecognizedClientException", UNRECOGNIZED_CLIENT)
    if secret is not None:
        sigv4.verify(
            signature, secret, method=method, path=path, query=query, headers=headers, body=body
        )


def check_date(headers: Mapping[str, str], now: datetime | None = None) -> None:
    """Raise AWS's error unless the request's ``X-Amz-Date`` (or ``Date``) is in ISO 8601
    basic format and within ``MAX_SKEW`` of ``now`` (the clock, read at each call so
    freezegun and time-machine apply)."""
    raw = headers.get("x-amz-date") or headers.get("date", "")
    if not _BASIC_FORMAT.fullmatch(raw):
        # AWS's JSON (Coral) services' answer to any other form, an RFC 1123 Date included
        # (reported for SWF and SQS: github.com/umegaya/lua-aws/issues/18,
        # github.com/brendanhay/amazonka/issues/5).
        raise KmsError(
            "IncompleteSignatureException",
            f"Date must be in ISO-8601 'basic format'. Got '{raw}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601",
        )
    try:
        signed_at = datetime.strptime(raw, _AMZ_DATE).replace(tzinfo=timezone.utc)
    except ValueError:  # 20241332T000000Z: the right shape, no such date
        raise KmsError(
            "IncompleteSignatureException",
            f"Date must be in ISO-8601 'basic format'. Got '{raw}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601",
        ) from None
    current = (datetime.now(timezone.utc) if now is None else now).replace(microsecond=0)
    earliest, latest = current - MAX_SKEW, current + MAX_SKEW
    # AWS's texts, e.g. "Signature expired: 20240820T230143Z is now earlier than
    # 20240820T230302Z (20240820T230802Z - 5 min.)" (the KMS report above) and "Signature not
    # yet current: 20181017T093750Z is still later than 20181017T093639Z (20181017T093139Z + 5
    # min.)" (github.com/s12v/awsbeats/issues/48).
    if signed_at < earliest:
        raise KmsError(
            "InvalidSignatureException",
            f"Signature expired: {raw} is now earlier than {_amz(earliest)} "
            f"({_amz(current)} - {_SKEW_MINUTES} min.)",
        )
    if signed_at > latest:
        raise KmsError(
            "InvalidSignatureException",
            f"Signature not yet current: {raw} is still later than {_amz(latest)} "
            f"({_amz(current)} + {_SKEW_MINUTES} min.)",
        )


def _amz(moment: datetime) -> str:
    return moment.strftime(_AMZ_DATE)


def parse_credentials(text: str) -> tuple[str, str, str | None]:
    """``ACCESS_KEY:SECRET[:PRINCIPAL_ARN]`` (``kmsmock serve --credentials``) as (access key,
    secret, principal ARN or None); ``ValueError`` saying what is wrong."""
    access_key, _, rest = text.partition(":")
    secret, _, arn = rest.partition(":")
    if not _ACCESS_KEY.fullmatch(access_key):
        raise ValueError(
            f"the access key ID must be 1 to 128 letters and digits; got {access_key!r} "
            "(the form is ACCESS_KEY:SECRET or ACCESS_KEY:SECRET:PRINCIPAL_ARN)"
        )
    if not secret:
        raise ValueError(
            f"no secret for {access_key} (the form is ACCESS_KEY:SECRET or "
            "ACCESS_KEY:SECRET:PRINCIPAL_ARN; a secret cannot contain ':')"
        )
    return access_key, secret, arn or None


def add_credentials(access: Access, access_key: str, secret: str, caller: Caller) -> None:
    """Let ``access_key`` (signed with ``secret``) act as ``caller``, replacing what the world
    held for that key (a state file saved by an earlier run, say)."""
    access.callers[access_key] = caller
    access.secret_keys[access_key] = secret


def unverifiable(access: Access) -> list[str]:
    """The access keys that act as a principal but whose secret is unknown: strict
    authentication refuses them (``UnrecognizedClientException``)."""
    return sorted(key for key in access.callers if key not in access.secret_keys)
