"""The public surface: exported names, and that every KMS operation has an answer."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from botocore import xform_name
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import error_of

import kmsmock
from kmsmock.aws.families import NEWER_MODELS
from kmsmock.aws.service_model import service_model
from kmsmock.operations.dispatch import implemented

MODEL_OPERATIONS = sorted(service_model().operation_names)


def test_all_is_sorted_and_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(kmsmock).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    public -= {"TYPE_CHECKING", "Any"}
    public |= set(kmsmock._LAZY)  # exported on first use
    assert kmsmock.__all__ == sorted(kmsmock.__all__)
    assert set(kmsmock.__all__) == public
    assert public == {
        "AccountCost",
        "AuditEvent",
        "Authorization",
        "CostReport",
        "DEFAULT_ACCOUNT_ID",
        "Events",
        "Fault",
        "KmsError",
        "KmsMock",
        "KmsMockUsageError",
        "Limits",
        "RegionCost",
        "Settings",
        "Snapshot",
        "StateFileError",
        "active_mocks",
        "block_real_aws",
        "mock_kms",
        "real_aws_blocked",
    }


def test_every_exported_type_is_the_one_kmsmock_uses() -> None:
    from kmsmock.backend.authorize import Authorization
    from kmsmock.backend.faults import Fault
    from kmsmock.cost.report import CostReport

    assert (kmsmock.Authorization, kmsmock.CostReport, kmsmock.Fault) == (
        Authorization,
        CostReport,
        Fault,
    )
    with pytest.raises(AttributeError, match="module 'kmsmock' has no attribute 'Nothing'"):
        kmsmock.Nothing  # noqa: B018


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, Any] = {}
    exec("from kmsmock import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == kmsmock.__all__


def test_every_implemented_operation_is_a_kms_operation() -> None:
    # Or one of a newer botocore's model than the loaded one (ML-KEM's, from botocore 1.44).
    assert implemented() - NEWER_MODELS <= set(MODEL_OPERATIONS)
    assert implemented()  # the registry loaded


@pytest.mark.parametrize("operation", MODEL_OPERATIONS)
def test_every_operation_is_implemented_or_says_it_is_not(
    raw_client: BaseClient, operation: str
) -> None:
    """An operation kmsmock does not serve answers NotImplementedException naming it, whatever
    the request holds; one it serves answers something else (here, usually a validation
    error for the empty request)."""
    call = getattr(raw_client, xform_name(operation))
    try:
        call()
    except ClientError as error:
        code, message = error.response["Error"]["Code"], error.response["Error"]["Message"]
    else:
        code, message = "", ""
    if operation in implemented():
        assert code != "NotImplementedException" or operation not in message
        assert code != "KMSInternalException", message
    else:
        assert (code, message) == (
            "NotImplementedException",
            f"kmsmock does not implement the KMS operation {operation} yet. "
            "docs/operations.md in kmsmock's documentation lists what is served.",
        )


@pytest.mark.parametrize(
    ("operation", "request_"),
    [("Decrypt", {}), ("ReEncrypt", {"DestinationKeyId": "alias/any"})],
)
def test_a_request_without_a_ciphertext_is_a_validation_error(
    raw_client: BaseClient, operation: str, request_: dict[str, Any]
) -> None:
    """CiphertextBlob is optional in the model (a DryRun with IGNORE_CIPHERTEXT may leave it
    out); any other request without it is refused, not a KeyError inside kmsmock."""
    with pytest.raises(ClientError) as excinfo:
        getattr(raw_client, xform_name(operation))(**request_)
    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy "
        "constraint: Member must not be null",
    )


# A valid request for each implemented operation that takes DryRun, given a client, a usable
# key of the kind KEY_FOR names (symmetric otherwise) and a ciphertext under it.
DryRunRequest = Callable[[BaseClient, str, bytes], dict[str, Any]]
_ECDSA = {"Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}
_GRANT = {"GranteePrincipal": "arn:aws:iam::123456789012:role/r", "Operations": ["Decrypt"]}
_HMAC = {"Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}
DRY_RUN_REQUESTS: dict[str, DryRunRequest] = {
    "Encrypt": lambda c, key, blob: {"KeyId": key, "Plaintext": b"data"},
    "Decrypt": lambda c, key, blob: {"CiphertextBlob": blob},
    "ReEncrypt": lambda c, key, blob: {"CiphertextBlob": blob, "DestinationKeyId": key},
    "GenerateDataKey": lambda c, key, blob: {"KeyId": key, "KeySpec": "AES_256"},
    "GenerateDataKeyWithoutPlaintext": lambda c, key, blob: {"KeyId": key, "NumberOfBytes": 64},
    "Sign": lambda c, key, blob: {"KeyId": key, **_ECDSA},
    "Verify": lambda c, key, blob: {
        "KeyId": key,
        "Signature": c.sign(KeyId=key, **_ECDSA)["Signature"],
        **_ECDSA,
    },
    "GenerateDataKeyPair": lambda c, key, blob: {"KeyId": key, "KeyPairSpec": "ECC_NIST_P256"},
    "GenerateDataKeyPairWithoutPlaintext": lambda c, key, blob: {
        "KeyId": key,
        "KeyPairSpec": "ECC_NIST_P256",
    },
    "DeriveSharedSecret": lambda c, key, blob: {
        "KeyId": key,
        "KeyAgreementAlgorithm": "ECDH",
        "PublicKey": c.get_public_key(KeyId=key)["PublicKey"],
    },
    "GenerateMac": lambda c, key, blob: {"KeyId": key, **_HMAC},
    "VerifyMac": lambda c, key, blob: {
        "KeyId": key,
        "Mac": c.generate_mac(KeyId=key, **_HMAC)["Mac"],
        **_HMAC,
    },
    "CreateGrant": lambda c, key, blob: {**_GRANT, "KeyId": key},
    "RevokeGrant": lambda c, key, blob: {
        "KeyId": key,
        "GrantId": c.create_grant(**_GRANT, KeyId=key)["GrantId"],
    },
    "RetireGrant": lambda c, key, blob: {
        "GrantToken": c.create_grant(**_GRANT, KeyId=key)["GrantToken"],
    },
}
if "Encapsulate" in MODEL_OPERATIONS:  # botocore 1.44 and later
    DRY_RUN_REQUESTS["Encapsulate"] = lambda c, key, blob: {
        "KeyId": key,
        "EncapsulationAlgorithm": "ML_KEM",
    }
    DRY_RUN_REQUESTS["Decapsulate"] = lambda c, key, blob: {
        "KeyId": key,
        "EncapsulationAlgorithm": "ML_KEM",
        "SharedSecretCiphertextBlob": c.encapsulate(KeyId=key, EncapsulationAlgorithm="ML_KEM")[
            "SharedSecretCiphertextBlob"
        ],
    }
# Operations that remove what their request names (a second call finds nothing) and succeed in
# every key state (disabling the key cannot make them fail): the two DryRun tests below cannot
# check them, so tests/functional/test_grants.py does.
CHECKED_ELSEWHERE = frozenset({"RevokeGrant", "RetireGrant"})
_SIGNER = {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}
_MAC = {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}
KEY_FOR = {
    "Sign": _SIGNER,
    "Verify": _SIGNER,
    "GenerateMac": _MAC,
    "VerifyMac": _MAC,
    "DeriveSharedSecret": {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"},
    "Encapsulate": {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE"},
    "Decapsulate": {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE"},
}


def _request(client: BaseClient, operation: str) -> dict[str, Any]:
    key_id = client.create_key(**KEY_FOR.get(operation, {}))["KeyMetadata"]["KeyId"]
    blob = b""
    if operation not in KEY_FOR:
        blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    request = DRY_RUN_REQUESTS[operation](client, key_id, blob)
    request["_key"] = key_id
    return request


def _takes_dry_run(operation: str) -> bool:
    shape = service_model().operation_model(operation).input_shape
    return shape is not None and "DryRun" in shape.members


def test_every_implemented_operation_that_takes_dry_run_is_checked_below() -> None:
    """A newly implemented operation with a DryRun member must join DRY_RUN_REQUESTS."""
    served = implemented() & set(MODEL_OPERATIONS)
    assert {op for op in served if _takes_dry_run(op)} == set(DRY_RUN_REQUESTS)


@pytest.mark.parametrize("operation", sorted(set(DRY_RUN_REQUESTS) - CHECKED_ELSEWHERE))
def test_dry_run_stops_a_request_that_would_succeed(client: BaseClient, operation: str) -> None:
    request = _request(client, operation)
    del request["_key"]
    call = getattr(client, xform_name(operation))

    assert "DryRun" not in call(**request)  # the request is valid as it stands

    with pytest.raises(client.exceptions.DryRunOperationException) as excinfo:
        call(**request, DryRun=True)
    assert error_of(excinfo) == (  # type: ignore[arg-type]
        "DryRunOperationException",
        "The request would have succeeded, but the DryRun option is set.",
    )
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("operation", sorted(set(DRY_RUN_REQUESTS) - CHECKED_ELSEWHERE))
def test_dry_run_does_not_hide_a_failure(client: BaseClient, operation: str) -> None:
    """DryRun answers only for a request that would succeed: a disabled key still fails."""
    request = _request(client, operation)
    client.disable_key(KeyId=request.pop("_key"))
    call = getattr(client, xform_name(operation))
    with pytest.raises(client.exceptions.DisabledException):
        call(**request, DryRun=True)
