"""Asymmetric signing and public keys: Sign, Verify, GetPublicKey."""

from __future__ import annotations

from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keys import Key
from kmsmock.backend.keystate import require_usable
from kmsmock.backend.metadata import algorithms
from kmsmock.backend.usage import incompatible, private_key, require_usage
from kmsmock.crypto import asymmetric
from kmsmock.errors import KmsError
from kmsmock.operations.encryption import check_dry_run
from kmsmock.operations.table import Params, Result, operation


def _signing_key(context: RequestContext, params: Params) -> tuple[Key, str, bool]:
    """(key, algorithm, whether Message is a digest), after AWS's checks in AWS's order."""
    algorithm: str = params["SigningAlgorithm"]
    key = resolve_key(context, params["KeyId"], alias=True)
    require_usable(key, context.operation)
    require_usage(context, key, "SIGN_VERIFY")
    if algorithm not in asymmetric.signing_algorithms(key.key_spec):
        raise incompatible(algorithm, key)
    message_type = params.get("MessageType", "RAW")
    if message_type not in asymmetric.message_types(algorithm):
        # AWS's texts for these are not recorded. Only ML-DSA keys take a precomputed mu, so
        # that refusal names the key spec; Ed25519's two algorithms each take one MessageType,
        # and ML-DSA takes no DIGEST, so those name the algorithm.
        against = (
            f"key spec {key.key_spec}"
            if message_type == "EXTERNAL_MU"
            else f"signing algorithm {algorithm}"
        )
        raise KmsError(
            "ValidationException", f"MessageType {message_type} is incompatible with {against}."
        )
    if message_type == "EXTERNAL_MU":
        # mu is SHAKE256's 64 bytes (FIPS 204 section 6.2). AWS's text for another length is
        # not recorded; this is the DIGEST length check's, naming the algorithm the same way.
        if len(params["Message"]) != 64:
            raise KmsError(
                "ValidationException", f"Digest is invalid length for algorithm {algorithm}."
            )
        check_dry_run(params)
        # ML-DSA takes no DIGEST, so mldsa_keys reads digest=True as "Message is mu".
        return key, algorithm, True
    digest = message_type == "DIGEST"
    if digest and len(params["Message"]) != asymmetric.digest_size(algorithm):
        raise KmsError(
            "ValidationException", f"Digest is invalid length for algorithm {algorithm}."
        )
    check_dry_run(params)
    return key, algorithm, digest


@operation("Sign")
def sign(context: RequestContext, params: Params) -> Result:
    key, algorithm, digest = _signing_key(context, params)
    family = asymmetric.family(key.key_spec)
    signature = family.sign(private_key(key), algorithm, params["Message"], digest)
    key.last_used = (context.operation, context.now, context.request_id)
    return {"KeyId": key.arn, "Signature": signature, "SigningAlgorithm": algorithm}


@operation("Verify")
def verify(context: RequestContext, params: Params) -> Result:
    key, algorithm, digest = _signing_key(context, params)
    family = asymmetric.family(key.key_spec)
    public = private_key(key).public_key()
    if not family.verify(public, algorithm, params["Message"], params["Signature"], digest):
        # AWS answers an exception, never SignatureValid=false; its message is empty.
        raise KmsError("KMSInvalidSignatureException", "")
    key.last_used = (context.operation, context.now, context.request_id)
    return {"KeyId": key.arn, "SignatureValid": True, "SigningAlgorithm": algorithm}


@operation("GetPublicKey")
def get_public_key(context: RequestContext, params: Params) -> Result:
    key = resolve_key(context, params["KeyId"], alias=True)
    require_usable(key, context.operation)
    if key.key_spec not in asymmetric.SPECS:
        # AWS answers UnsupportedOperationException for symmetric and HMAC keys; its text
        # is not recorded and is worded like the recorded "origin is ... not valid" one.
        raise KmsError(
            "UnsupportedOperationException",
            f"{key.arn} key spec {key.key_spec} is not valid for this operation.",
        )
    return {
        "KeyId": key.arn,
        "PublicKey": asymmetric.public_key_der(private_key(key)),
        "CustomerMasterKeySpec": key.key_spec,
        "KeySpec": key.key_spec,
        "KeyUsage": key.key_usage,
        **algorithms(key),
    }
