"""KeyMetadata as AWS returns it from CreateKey and DescribeKey."""

from __future__ import annotations

from typing import Any

from kmsmock.backend.key_store_state import CLOUDHSM, reported_state
from kmsmock.backend.keys import Key
from kmsmock.backend.replica_sets import configuration
from kmsmock.crypto.asymmetric import (
    ENCAPSULATION_ALGORITHMS,
    encryption_algorithms,
    signing_algorithms,
)
from kmsmock.crypto.hmac_keys import MAC_ALGORITHM


def algorithms(key: Key) -> dict[str, list[str]]:
    """The algorithm lists of KeyMetadata and GetPublicKey for ``key``'s spec and usage.

    As recorded: symmetric keys list EncryptionAlgorithms, HMAC keys only MacAlgorithms,
    signing keys only SigningAlgorithms, RSA encryption keys the two OAEP algorithms (SM2
    ones SM2PKE, as the key spec reference documents). Key
    agreement keys list only KeyAgreementAlgorithms, ECDH being the only one, and ML-KEM keys
    only EncapsulationAlgorithms (the API model documents each list as present only for its
    own KeyUsage).
    """
    spec, usage = key.key_spec, key.key_usage
    if spec == "SYMMETRIC_DEFAULT":
        return {"EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"]}
    if spec in MAC_ALGORITHM:
        return {"MacAlgorithms": [MAC_ALGORITHM[spec]]}
    if usage == "KEY_AGREEMENT":
        return {"KeyAgreementAlgorithms": ["ECDH"]}
    if usage == "ENCAPSULATE_DECAPSULATE":
        # ML-KEM keys: ML_KEM is the model's only EncapsulationAlgorithmSpec.
        return {"EncapsulationAlgorithms": list(ENCAPSULATION_ALGORITHMS)}
    if usage == "ENCRYPT_DECRYPT":
        return {"EncryptionAlgorithms": list(encryption_algorithms(spec))}
    return {"SigningAlgorithms": list(signing_algorithms(spec))}


def key_metadata(key: Key) -> dict[str, Any]:
    state = reported_state(key.custom_key_store, key.state)
    meta: dict[str, Any] = {
        "AWSAccountId": key.account,
        "KeyId": key.key_id,
        "Arn": key.arn,
        "CreationDate": key.created,
        "Enabled": state == "Enabled",
        "Description": key.description,
        "KeyUsage": key.key_usage,
        "KeyState": state,
        "DeletionDate": key.deletion_date,
        "Origin": key.origin,
        "KeyManager": key.key_manager,
        "CustomerMasterKeySpec": key.key_spec,
        "KeySpec": key.key_spec,
        "MultiRegion": key.multi_region,
    }
    if key.key_spec == "SYMMETRIC_DEFAULT":
        meta["EncryptionAlgorithms"] = ["SYMMETRIC_DEFAULT"]
        # Recorded: only symmetric keys show CurrentKeyMaterialId; an EXTERNAL key from its
        # first import on (it stays after the material is deleted). The model documents it for
        # AWS_KMS and EXTERNAL origins only: keys in custom key stores do not show it.
        store = key.custom_key_store
        if store is not None:
            meta["CustomKeyStoreId"] = store.store_id
            if store.store_type == CLOUDHSM:
                meta["CloudHsmClusterId"] = store.cluster_id
            else:
                meta["XksKeyConfiguration"] = {"Id": key.xks_key_id}
        elif state == "Creating":
            pass  # recorded: a replica shows CurrentKeyMaterialId once it is ready
        elif key.imported is None or key.imported.material_id is not None:
            meta["CurrentKeyMaterialId"] = key.current_material_id
    else:
        meta.update(algorithms(key))
    multi_region = configuration(key)
    if multi_region is not None:
        meta["MultiRegionConfiguration"] = multi_region
    if state == "PendingReplicaDeletion":
        # The model: present only in this state, while the primary waits for its replicas.
        meta["PendingDeletionWindowInDays"] = key.pending_window_days
    imported = key.imported
    if imported is not None and imported.expiration_model is not None:
        meta["ExpirationModel"] = imported.expiration_model
        if imported.valid_to is not None:
            meta["ValidTo"] = imported.valid_to
    return meta
