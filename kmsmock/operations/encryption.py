"""Encryption operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
GenerateDataKeyWithoutPlaintext, GenerateRandom.

Symmetric keys use the mock's ciphertext blob (crypto/ciphertext.py); RSA keys with KeyUsage
ENCRYPT_DECRYPT use plain RSAES-OAEP, as AWS does, so ciphertexts interoperate with any RSA
implementation and the public key from GetPublicKey. SM2 keys (China regions) use SM2PKE with
the GM/T 0009 ASN.1 ciphertext AWS takes (crypto/sm2_keys.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from kmsmock.backend.authorize import authorize_key
from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.key_store_state import CLOUDHSM, EXTERNAL
from kmsmock.backend.keys import Key, KeyMaterial
from kmsmock.backend.keystate import require_usable
from kmsmock.backend.usage import incompatible, private_key, require_usage
from kmsmock.crypto import asymmetric, ciphertext
from kmsmock.errors import KmsError
from kmsmock.operations.custom_key_stores import find_store, invalid_state
from kmsmock.operations.recipient import deliver
from kmsmock.operations.table import Params, Result, operation

SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
_DATA_KEY_BYTES = {"AES_256": 32, "AES_128": 16}


def check_dry_run(params: Params) -> None:
    """Every check has passed: a DryRun request stops here, before any effect."""
    if params.get("DryRun"):
        raise KmsError(
            "DryRunOperationException",
            "The request would have succeeded, but the DryRun option is set.",
        )


def _missing(path: str) -> KmsError:
    """AWS's answer when a member the request needs is absent (worded as the model's own
    required-member check: AWS's text for the members required only sometimes is unknown)."""
    return KmsError(
        "ValidationException",
        f"1 validation error detected: Value null at '{path}' failed to satisfy constraint: "
        "Member must not be null",
    )


def _ignores_ciphertext(params: Params) -> bool:
    """A DryRun with the IGNORE_CIPHERTEXT modifier checks the key it names, not the blob."""
    return bool(params.get("DryRun")) and "IGNORE_CIPHERTEXT" in params.get("DryRunModifiers", ())


def _dry_run_without_ciphertext(
    context: RequestContext, params: Params, member: str, algorithm: str | None
) -> Key:
    """The key a ciphertext-free DryRun of Decrypt or ReEncrypt names in ``member``."""
    key_id = params.get(member)
    if key_id is None:
        raise _missing(member[:1].lower() + member[1:])
    key = resolve_key(context, key_id, alias=True)
    require_usable(key, context.operation)
    _require_encryption(context, key, algorithm)
    return key


def _ciphertext(params: Params) -> bytes:
    # Optional in the model only for a DryRun with IGNORE_CIPHERTEXT; required otherwise.
    blob: bytes | None = params.get("CiphertextBlob")
    if blob is None:
        raise _missing("ciphertextBlob")
    return blob


_TO = "kms:ReEncryptTo"  # ReEncrypt's destination key is authorized as its own action


def encrypting_key(
    context: RequestContext, key_id: str, algorithm: str | None, action: str | None = None
) -> Key:
    """The key named for encryption, checked for state, usage and algorithm as AWS does."""
    key = resolve_key(context, key_id, alias=True, action=action)
    require_usable(key, context.operation)
    _require_encryption(context, key, algorithm)
    return key


def _require_encryption(context: RequestContext, key: Key, algorithm: str | None) -> None:
    require_usage(context, key, "ENCRYPT_DECRYPT")
    if key.key_spec == SYMMETRIC_DEFAULT:
        if algorithm not in (None, SYMMETRIC_DEFAULT):
            raise incompatible(algorithm, key)
    elif algorithm not in asymmetric.encryption_algorithms(key.key_spec):
        # Seen from AWS: "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_4096."
        raise incompatible(algorithm or SYMMETRIC_DEFAULT, key)


def _require_plaintext_fits(key: Key, algorithm: str | None, plaintext: bytes) -> None:
    """RSA-OAEP takes at most the modulus less two hashes, SM2PKE 1024 bytes; AWS's recorded
    refusal for RSA (its text for SM2PKE is not recorded and is worded the same)."""
    if key.key_spec == SYMMETRIC_DEFAULT or algorithm is None:
        return
    limit = asymmetric.encryptor(key.key_spec).max_plaintext(key.key_spec, algorithm)
    if len(plaintext) > limit:
        raise KmsError(
            "ValidationException",
            f"Algorithm {algorithm} and key spec {key.key_spec} cannot encrypt data larger "
            f"than {limit} bytes.",
        )


def seal(
    context: RequestContext,
    key: Key,
    plaintext: bytes,
    enc_context: Mapping[str, str] | None,
    algorithm: str | None = None,
) -> bytes:
    if key.key_spec != SYMMETRIC_DEFAULT:
        _require_plaintext_fits(key, algorithm, plaintext)
        public = private_key(key).public_key()
        return asymmetric.encryptor(key.key_spec).encrypt(public, str(algorithm), plaintext)
    material = key.current_material
    return ciphertext.seal(material.secret, material.ref, plaintext, enc_context)


class _Opened(NamedTuple):
    key: Key
    material: KeyMaterial | None  # None for an asymmetric key: those have no KeyMaterialId
    plaintext: bytes


def _open_asymmetric(
    context: RequestContext, key: Key, blob: bytes, algorithm: str | None
) -> _Opened:
    """RSA-OAEP or SM2PKE decryption with the key the request names (AWS requires it)."""
    require_usable(key, context.operation)
    _require_encryption(context, key, algorithm)
    decrypt = asymmetric.encryptor(key.key_spec).decrypt
    plaintext = decrypt(private_key(key), str(algorithm), blob)
    if plaintext is None:
        raise KmsError("InvalidCiphertextException", "")
    return _Opened(key, None, plaintext)


def _open(
    context: RequestContext,
    blob: bytes,
    enc_context: Mapping[str, str] | None,
    key_id: str | None,
    algorithm: str | None,
) -> _Opened:
    """Decrypt ``blob`` as AWS's Decrypt does, with its checks in AWS's order."""
    named = resolve_key(context, key_id, alias=True) if key_id is not None else None
    if named is not None and named.key_spec in asymmetric.SPECS:
        return _open_asymmetric(context, named, blob, algorithm)
    try:
        parsed = ciphertext.parse(blob)
    except ciphertext.InvalidCiphertext:
        raise KmsError("InvalidCiphertextException", "") from None
    found = ciphertext.read_reference(context.world.secret, parsed.ref)
    key = None
    if found is not None:
        # The blob names its key's account: another account's key is found in its own
        # account (same Region), and the policies decide whether the caller may use it.
        where = context.world.regions.get((found.account, context.region))
        key = where.keys.get(found.key_id) if where is not None else None
    if found is None or key is None or found.version >= key.material_count:
        # A key that does not exist here: another region, another account that does not let
        # the caller in, another mock instance, or a key that has been deleted. AWS's 2024+
        # wording, the same for every case (research §6).
        # ReEncrypt is authorized as two IAM actions; reading the blob is ReEncryptFrom.
        action = "ReEncryptFrom" if context.operation == "ReEncrypt" else context.operation
        raise KmsError(
            "AccessDeniedException",
            f"User: {context.principal_arn} is not authorized to perform: kms:{action} "
            "on the resource associated with this ciphertext because "
            "the resource does not exist in this Region, no resource-based policies allow "
            "access, or a resource-based policy explicitly denies access",
        )
    if named is not None and named.key_id != key.key_id:
        raise KmsError(
            "IncorrectKeyException",
            "The key ID in the request does not identify a CMK that can perform this operation.",
        )
    if named is None:  # a named key was authorized when it was resolved
        authorize_key(context, key)
    require_usable(key, context.operation)
    _require_encryption(context, key, algorithm)
    material = key.material(found.version)
    try:
        plaintext = ciphertext.open_(material.secret, parsed, enc_context)
    except ciphertext.InvalidCiphertext:
        raise KmsError("InvalidCiphertextException", "") from None
    return _Opened(key, material, plaintext)


@operation("Encrypt")
def encrypt(context: RequestContext, params: Params) -> Result:
    algorithm = params.get("EncryptionAlgorithm")
    key = encrypting_key(context, params["KeyId"], algorithm)
    _require_plaintext_fits(key, algorithm, params["Plaintext"])
    check_dry_run(params)
    blob = seal(context, key, params["Plaintext"], params.get("EncryptionContext"), algorithm)
    key.last_used = (context.operation, context.now, context.request_id)
    return {
        "CiphertextBlob": blob,
        "KeyId": key.arn,
        "EncryptionAlgorithm": algorithm or SYMMETRIC_DEFAULT,
    }


@operation("Decrypt")
def decrypt(context: RequestContext, params: Params) -> Result:
    algorithm = params.get("EncryptionAlgorithm")
    if _ignores_ciphertext(params):
        _dry_run_without_ciphertext(context, params, "KeyId", algorithm)
        check_dry_run(params)
    opened = _open(
        context,
        _ciphertext(params),
        params.get("EncryptionContext"),
        params.get("KeyId"),
        algorithm,
    )
    check_dry_run(params)
    opened.key.last_used = (context.operation, context.now, context.request_id)
    result: Result = {"KeyId": opened.key.arn}
    deliver(context, result, "Plaintext", opened.plaintext)
    result["EncryptionAlgorithm"] = algorithm or SYMMETRIC_DEFAULT
    if opened.material is not None:
        result["KeyMaterialId"] = opened.material.material_id
    return result


@operation("ReEncrypt")
def re_encrypt(context: RequestContext, params: Params) -> Result:
    source_algorithm = params.get("SourceEncryptionAlgorithm")
    destination_algorithm = params.get("DestinationEncryptionAlgorithm")
    if _ignores_ciphertext(params):
        _dry_run_without_ciphertext(context, params, "SourceKeyId", source_algorithm)
        encrypting_key(context, params["DestinationKeyId"], destination_algorithm, _TO)
        check_dry_run(params)
    opened = _open(
        context,
        _ciphertext(params),
        params.get("SourceEncryptionContext"),
        params.get("SourceKeyId"),
        source_algorithm,
    )
    destination = encrypting_key(context, params["DestinationKeyId"], destination_algorithm, _TO)
    check_dry_run(params)
    blob = seal(
        context,
        destination,
        opened.plaintext,
        params.get("DestinationEncryptionContext"),
        destination_algorithm,
    )
    # AWS records the use on both keys.
    opened.key.last_used = destination.last_used = (
        context.operation,
        context.now,
        context.request_id,
    )
    result: Result = {
        "CiphertextBlob": blob,
        "SourceKeyId": opened.key.arn,
        "KeyId": destination.arn,
        "SourceEncryptionAlgorithm": source_algorithm or SYMMETRIC_DEFAULT,
        "DestinationEncryptionAlgorithm": destination_algorithm or SYMMETRIC_DEFAULT,
    }
    if opened.material is not None:
        result["SourceKeyMaterialId"] = opened.material.material_id
    if destination.key_spec == SYMMETRIC_DEFAULT:
        result["DestinationKeyMaterialId"] = destination.current_material_id
    return result


def _data_key(context: RequestContext, params: Params) -> tuple[Key, bytes, bytes]:
    spec: str | None = params.get("KeySpec")
    size: int | None = params.get("NumberOfBytes")
    if (spec is None) == (size is None):
        raise KmsError("ValidationException", "Please specify either number of bytes or key spec.")
    key = encrypting_key(context, params["KeyId"], None)
    check_dry_run(params)
    plaintext = os.urandom(_DATA_KEY_BYTES[spec] if spec is not None else int(size or 0))
    blob = seal(context, key, plaintext, params.get("EncryptionContext"))
    key.last_used = (context.operation, context.now, context.request_id)
    return key, plaintext, blob


@operation("GenerateDataKey")
def generate_data_key(context: RequestContext, params: Params) -> Result:
    key, plaintext, blob = _data_key(context, params)
    result = deliver(context, {"CiphertextBlob": blob}, "Plaintext", plaintext)
    result["KeyId"] = key.arn
    result["KeyMaterialId"] = key.current_material_id
    return result


@operation("GenerateDataKeyWithoutPlaintext")
def generate_data_key_without_plaintext(context: RequestContext, params: Params) -> Result:
    key, _, blob = _data_key(context, params)
    return {
        "CiphertextBlob": blob,
        "KeyId": key.arn,
        "KeyMaterialId": key.current_material_id,
    }


@operation("GenerateRandom")
def generate_random(context: RequestContext, params: Params) -> Result:
    size = params.get("NumberOfBytes")
    if size is None:
        raise KmsError("ValidationException", "NumberOfBytes is required.")
    store_id = params.get("CustomKeyStoreId")
    if store_id is not None:
        _require_random_source(context, store_id)
    # With a CloudHSM key store AWS draws the bytes in its cluster; a mock store has none.
    return deliver(context, {}, "Plaintext", os.urandom(size))


def _require_random_source(context: RequestContext, store_id: str) -> None:
    """GenerateRandom's CustomKeyStoreId, as its API reference has it: an unknown store is
    CustomKeyStoreNotFoundException, an external key store UnsupportedOperationException, a
    CloudHSM key store that is not CONNECTED CustomKeyStoreInvalidStateException (AWS's texts
    are not recorded: kmsmock's, as its other custom key store errors)."""
    store = find_store(context, store_id)
    if store.store_type == EXTERNAL:
        raise KmsError(
            "UnsupportedOperationException",
            f"GenerateRandom is not valid for custom key store {store_id}, whose "
            f"CustomKeyStoreType is {EXTERNAL}. Only {CLOUDHSM} key stores can generate "
            "random bytes.",
        )
    if not store.connected:
        raise invalid_state(store, "GenerateRandom")
