"""Imported key material (BYOK): GetParametersForImport, ImportKeyMaterial,
DeleteImportedKeyMaterial.

A key created with Origin EXTERNAL has no key material: it is PendingImport until material is
imported. The imported bytes are the key: symmetric ciphertexts are AES-GCM under them, HMAC
keys MAC with them, and an asymmetric key uses the imported private key. Material with a
ValidTo is deleted when the clock passes it (lifecycle.py), as DeleteImportedKeyMaterial
deletes it: the key goes back to PendingImport until the same material is imported again.

AWS's texts for most of these errors are not recorded; docs/importing-key-material.md lists
which are AWS's and which are kmsmock's own.
"""

from __future__ import annotations

import hmac
import os
from datetime import datetime, timedelta
from typing import Any

from kmsmock.backend import lifecycle
from kmsmock.backend.context import RequestContext
from kmsmock.backend.creation import drop_imported_material
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keys import Imported, ImportParameters, Key, KeyMaterial
from kmsmock.backend.keystate import require_customer_managed, require_usable
from kmsmock.crypto import asymmetric, keypool, rsa_keys, wrapping
from kmsmock.crypto.material import imported_material_id
from kmsmock.errors import KmsError
from kmsmock.operations.table import Params, Result, operation

# An import token (and its wrapping key) is valid for 24 hours, as AWS's.
TOKEN_LIFETIME = timedelta(hours=24)
# ValidTo may be at most this far after the request (the API reference).
MAX_VALID_TO = timedelta(days=365)
_TOKEN_ID_BYTES = 16
_TOKEN_MAC_BYTES = 16
EXPIRES = "KEY_MATERIAL_EXPIRES"
DOES_NOT_EXPIRE = "KEY_MATERIAL_DOES_NOT_EXPIRE"
NEW = "NEW_KEY_MATERIAL"
EXISTING = "EXISTING_KEY_MATERIAL"


def _external_key(context: RequestContext, key_id: str) -> tuple[Key, Imported]:
    """The EXTERNAL key the request names, after AWS's checks in AWS's order: the origin
    first (an AWS_KMS key pending deletion answers UnsupportedOperationException, per the
    key-state table), then the key's state."""
    key = resolve_key(context, key_id)
    require_customer_managed(context, key)
    imported = key.imported
    if imported is None:
        raise KmsError(
            "UnsupportedOperationException",
            f"{key.arn} origin is {key.origin} which is not valid for this operation.",
        )
    require_usable(key, context.operation)
    return key, imported


def _token_mac(context: RequestContext, key: Key, token_id: bytes) -> bytes:
    # Binds the token to this mock and this key: a token for another key, or altered, fails.
    label = b"kmsmock import token\n" + key.arn.encode() + b"\n" + token_id
    return hmac.digest(context.world.secret, label, "sha256")[:_TOKEN_MAC_BYTES]


@operation("GetParametersForImport")
def get_parameters_for_import(context: RequestContext, params: Params) -> Result:
    key, imported = _external_key(context, params["KeyId"])
    algorithm: str = params["WrappingAlgorithm"]
    spec: str = params["WrappingKeySpec"]
    sm2 = spec == wrapping.SM2_SPEC
    if sm2 or algorithm == wrapping.SM2_ALGORITHM:
        _require_sm2_wrapping(context, spec, algorithm)
    elif algorithm not in wrapping.WRAPPING_ALGORITHMS:
        # RSAES_PKCS1_V1_5: AWS stopped accepting it on 2023-10-10 (its text is not recorded).
        raise KmsError(
            "ValidationException",
            f"WrappingAlgorithm {algorithm} is not supported. Use RSAES_OAEP_SHA_1, "
            "RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.",
        )
    now = context.now
    # Expired parameters can no longer be used: forget them so the key does not grow.
    for stale in [t for t, p in imported.tokens.items() if p.valid_to <= now]:
        del imported.tokens[stale]
    private: Any
    if sm2:
        from kmsmock.crypto import sm2_keys

        private = sm2_keys.generate(spec)  # fast: no pool needed
    else:
        # A fresh RSA wrapping key per call, as AWS's; from the pool finished mocks left, since
        # generating RSA_4096 takes up to a second.
        private = keypool.take(spec, rsa_keys.generate, owner=context.world.secret)
    valid_to = now + TOKEN_LIFETIME
    token_id = os.urandom(_TOKEN_ID_BYTES)
    imported.tokens[token_id] = ImportParameters(private, algorithm, valid_to)
    return {
        "KeyId": key.arn,
        "ImportToken": token_id + _token_mac(context, key, token_id),
        "PublicKey": asymmetric.public_key_der(private),
        "ParametersValidTo": valid_to,
    }


def _require_sm2_wrapping(context: RequestContext, spec: str, algorithm: str) -> None:
    """SM2 wrapping: WrappingKeySpec SM2 with WrappingAlgorithm SM2PKE, and only in AWS's
    China regions (Developer Guide, "Select a wrapping public key spec" / "Select a wrapping
    algorithm"). AWS's texts for these refusals are not recorded: outside China, worded as
    CreateKey's recorded "KeySpec SM2 is not supported in this Region"; a mismatched pair as
    kmsmock's own."""
    if context.partition != "aws-cn":
        member, value = ("WrappingKeySpec", spec)
        if spec != wrapping.SM2_SPEC:
            member, value = ("WrappingAlgorithm", algorithm)
        raise KmsError(
            "UnsupportedOperationException", f"{member} {value} is not supported in this Region"
        )
    if spec != wrapping.SM2_SPEC or algorithm != wrapping.SM2_ALGORITHM:
        raise KmsError(
            "ValidationException",
            f"WrappingAlgorithm {algorithm} is not compatible with WrappingKeySpec {spec}. "
            "Use WrappingAlgorithm SM2PKE with WrappingKeySpec SM2.",
        )
    if not asymmetric.sm2_available():
        raise KmsError(
            "NotImplementedException",
            "kmsmock needs the optional dependency gmssl for SM2 keys: pip install 'kmsmock[sm2]'",
        )


def _expiration(context: RequestContext, params: Params) -> tuple[str, datetime | None]:
    model: str = params.get("ExpirationModel", EXPIRES)
    valid_to: datetime | None = params.get("ValidTo")
    if model == EXPIRES:
        if valid_to is None:
            # Recorded from AWS (the default model is KEY_MATERIAL_EXPIRES).
            raise KmsError(
                "ValidationException",
                "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
            )
        if valid_to <= context.now or valid_to > context.now + MAX_VALID_TO:
            raise KmsError(
                "ValidationException",
                "The validTo date must be in the future and no more than 365 days from now",
            )
    elif valid_to is not None:
        raise KmsError(
            "ValidationException",
            "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
    return model, valid_to


def _parameters(context: RequestContext, key: Key, imported: Imported, token: bytes) -> Any:
    """The GetParametersForImport answer ``token`` stands for, if it is valid for ``key``."""
    token_id = token[:_TOKEN_ID_BYTES]
    found = imported.tokens.get(token_id)
    if (
        len(token) != _TOKEN_ID_BYTES + _TOKEN_MAC_BYTES
        or not hmac.compare_digest(token[_TOKEN_ID_BYTES:], _token_mac(context, key, token_id))
        or found is None
    ):
        raise KmsError(
            "InvalidImportTokenException",
            "The import token is invalid or is associated with a different KMS key.",
        )
    if found.valid_to <= context.now:
        raise KmsError(
            "ExpiredImportTokenException",
            "The import token is expired. Use GetParametersForImport to get a new import "
            "token and public key.",
        )
    return found


def _incorrect(why: str) -> KmsError:
    return KmsError("IncorrectKeyMaterialException", why)


@operation("ImportKeyMaterial")
def import_key_material(context: RequestContext, params: Params) -> Result:
    key, imported = _external_key(context, params["KeyId"])
    model, valid_to = _expiration(context, params)
    import_type = params.get("ImportType", NEW if imported.material_id is None else EXISTING)
    given_id: str | None = params.get("KeyMaterialId")
    if given_id is not None and import_type == NEW:
        raise KmsError(
            "ValidationException",
            "A KeyMaterialId cannot be specified when the ImportType is NEW_KEY_MATERIAL",
        )
    found = _parameters(context, key, imported, params["ImportToken"])
    try:
        material = wrapping.unwrap(
            found.wrapping_key, found.wrapping_algorithm, params["EncryptedKeyMaterial"]
        )
    except wrapping.UnwrapError:
        # As AWS's Decrypt answers a blob it cannot open: no message.
        raise KmsError("InvalidCiphertextException", "") from None
    private = None
    if key.key_spec == "SYMMETRIC_DEFAULT" or key.key_spec in wrapping.HMAC_LENGTHS:
        if not wrapping.symmetric_material_ok(key.key_spec, material):
            raise _incorrect(f"The key material is not valid for key spec {key.key_spec}.")
    else:
        private = wrapping.private_key_for(key.key_spec, material)
        if private is None:
            raise _incorrect(f"The key material is not valid for key spec {key.key_spec}.")
    new_id = imported_material_id(context.world.secret, key.key_id, material)
    if given_id is not None and given_id != new_id:
        raise _incorrect(f"The key material does not match the key material ID {given_id}.")

    if import_type == NEW and imported.material_id is not None:
        return _import_pending(context, key, imported, material, new_id, params)
    if import_type == EXISTING and imported.material_id is None:
        raise _incorrect(f"{key.arn} has no key material to reimport.")
    if imported.material_id is not None and new_id != imported.material_id:
        raise _incorrect(
            "The key material being imported is not the key material previously imported "
            f"into {key.arn}."
        )
    imported.material_id = new_id
    if private is None:
        imported.secret = material
    else:
        key.private_key = private
    if "KeyMaterialDescription" in params:
        imported.description = params["KeyMaterialDescription"]
    imported.expiration_model = model
    imported.valid_to = valid_to
    if key.state == "PendingImport":
        key.state = "Enabled"
    lifecycle.arm(context.world, key)  # queues the expiry, or drops an earlier one
    return {"KeyId": key.arn, "KeyMaterialId": new_id}


def _import_pending(
    context: RequestContext,
    key: Key,
    imported: Imported,
    material: bytes,
    new_id: str,
    params: Params,
) -> Result:
    """ImportType NEW_KEY_MATERIAL into a key that has material: new material for the next
    RotateKeyOnDemand (symmetric encryption keys only, as AWS added in 2025)."""
    if key.key_spec != "SYMMETRIC_DEFAULT":
        raise KmsError(
            "ValidationException",
            "ImportType NEW_KEY_MATERIAL is only valid for symmetric encryption keys "
            "that have no key material yet.",
        )
    known = {m.material_id for m in key.materials}
    if new_id in known:
        raise _incorrect(f"The key material is already associated with {key.arn}.")
    if imported.pending is not None:
        # Recorded from AWS (the KMS key named by its ID, not its ARN).
        raise KmsError(
            "KMSInvalidStateException",
            f"New key material (id: {new_id}) cannot be imported into KMS key {key.key_id}, "
            f"because another key material (id: {imported.pending.material_id}) is pending "
            "rotation.",
        )
    imported.pending = KeyMaterial(
        key_id=key.key_id,
        account=key.account,
        version=key.material_count,
        instance_secret=context.world.secret,
        created=context.now,
        imported_secret=material,
        imported_id=new_id,
    )
    return {"KeyId": key.arn, "KeyMaterialId": new_id}


@operation("DeleteImportedKeyMaterial")
def delete_imported_key_material(context: RequestContext, params: Params) -> Result:
    key, imported = _external_key(context, params["KeyId"])
    given_id: str | None = params.get("KeyMaterialId")
    pending = imported.pending
    if given_id is not None and pending is not None and given_id == pending.material_id:
        imported.pending = None  # only the material waiting for rotation goes
        return {"KeyId": key.arn, "KeyMaterialId": given_id}
    if given_id is not None and given_id != imported.material_id:
        raise KmsError(
            "NotFoundException", f"Key material {given_id} is not associated with {key.arn}."
        )
    result: dict[str, Any] = {"KeyId": key.arn}
    if imported.material_id is not None:
        result["KeyMaterialId"] = imported.material_id
    # On a key that is PendingImport this has no effect, as the key-state table says.
    drop_imported_material(key)
    lifecycle.arm(context.world, key)  # its expiry, if any, is moot
    return result
