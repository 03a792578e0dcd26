"""SSM Parameter Store SecureString parameters, as Parameter Store calls KMS.

Source: AWS KMS Developer Guide, "How AWS Systems Manager Parameter Store uses AWS KMS"
(awsdocs/aws-kms-developer-guide, services-parameter-store.md):

- PutParameter of a SecureString: a standard parameter's value is encrypted directly under the
  KMS key (Encrypt, the value as plaintext); an advanced one's with the AWS Encryption SDK,
  whose data key comes from GenerateDataKey (32 bytes). The key is the request's ``KeyId``,
  else the AWS managed key ``aws/ssm``.
- GetParameter, GetParameters, GetParametersByPath and GetParameterHistory with
  ``WithDecryption`` call Decrypt for each SecureString value they return.
- The encryption context: ``{"PARAMETER_ARN": "arn:aws:ssm:<Region>:<account>:parameter/<name>"}``
  (a hierarchical name keeps its path: ``parameter/ReadableParameters/MyParameter``).
- Intelligent-Tiering makes a parameter advanced when its value exceeds 4 KB or it has
  policies (Parameter Store's tier documentation); an advanced parameter stays advanced.

Errors: "When [the key is not enabled], Parameter Store returns an InvalidKeyId exception
with a detailed error message from AWS KMS" (same page, troubleshooting). The detail is KMS's
refusal as the AWS SDK for Java prints it, recorded from AWS:

    InvalidKeyId: Key 'arn:aws:kms:us-east-1:123123123:key/0f9b...' does not exist
    (Service: AWSKMS; Status Code: 400; Error Code: NotFoundException; Request ID: 0681...;
    Proxy: null)                                  (PutParameter; binxio/aws-ssm-copy#10, 2020)

    AccessDeniedException: The ciphertext refers to a customer master key that does not
    exist, does not exist in this region, or you are not allowed to access. (Service: AWSKMS;
    Status Code: 400; Error Code: AccessDeniedException; Request ID: 5964...)
                                                  (GetParameters; a 2020 blog's transcript)

So a missing permission is SSM's ``AccessDeniedException`` and every other refusal (disabled,
pending deletion, missing key) ``InvalidKeyId``, each with KMS's message and that suffix (the
"; Proxy: null" form, as SDKs since 2020 print it); both status 400.

Not modelled: the AWS Encryption SDK's message format and any context it adds of its own
(advanced parameters' GenerateDataKey carries only ``PARAMETER_ARN``); parameters written while
the integration was off (reads of them call no KMS); shared parameters of other accounts
(the parameter's account is the caller's).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kmsmock.integrations.on_behalf import (
    Acting,
    Outcome,
    Refusal,
    Sealed,
    ServiceError,
    remembered,
)

OPERATIONS = frozenset(
    {
        "PutParameter",
        "GetParameter",
        "GetParameters",
        "GetParametersByPath",
        "GetParameterHistory",
        "DeleteParameter",
        "DeleteParameters",
    }
)
MANAGED_KEY = "alias/aws/ssm"
# A standard parameter's value, and what KMS's Encrypt takes, are at most 4 KB.
STANDARD_LIMIT = 4096


@dataclass
class _Parameter:
    key: str  # the KeyId it was last written with (as named)
    advanced: bool
    versions: dict[int, Sealed] = field(default_factory=dict)


@dataclass
class _Memory:
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (Region, name) -> the SecureString parameter's versions written while integrated.
    parameters: dict[tuple[str, str], _Parameter] = field(default_factory=dict)


def before(acting: Acting, operation: str, params: Mapping[str, Any]) -> Outcome:
    """Parameter Store's KMS calls for one request (see the module's docstring)."""
    memory = remembered(acting.world, "ssm", _Memory)
    if operation == "PutParameter":
        return _put(acting.about(str(params.get("Name"))), memory, params)
    if operation.startswith("Get"):
        if not params.get("WithDecryption"):
            return None
        return _reads(acting, memory, operation)
    return _deleted(acting, memory, operation, params)


def _put(acting: Acting, memory: _Memory, params: Mapping[str, Any]) -> Outcome:
    name = _name(str(params.get("Name", "")))
    where = (acting.region, name)
    with memory.lock:
        existing = memory.parameters.get(where)
    kind = params.get("Type")
    # An overwrite that leaves out Type keeps the parameter's type.
    secure = kind == "SecureString" or (
        kind is None and existing is not None and bool(params.get("Overwrite"))
    )
    if not secure:

        def plain(parsed: dict[str, Any]) -> ServiceError | None:
            with memory.lock:
                memory.parameters.pop(where, None)
            return None

        return plain
    key = str(params.get("KeyId") or (existing.key if kind is None and existing else MANAGED_KEY))
    value = str(params.get("Value", "")).encode()
    tier = params.get("Tier")
    advanced = (
        tier == "Advanced"
        or (existing is not None and existing.advanced and tier != "Standard")
        or (
            tier == "Intelligent-Tiering"
            and (len(value) > STANDARD_LIMIT or params.get("Policies"))
        )
    )
    if not advanced and len(value) > STANDARD_LIMIT:
        return None  # too long for a standard parameter: Parameter Store's own error
    context = {"PARAMETER_ARN": _arn(acting, name)}
    try:
        if advanced:
            result = acting.kms(
                "GenerateDataKey", KeyId=key, NumberOfBytes=32, EncryptionContext=context
            )
        else:
            result = acting.kms("Encrypt", KeyId=key, Plaintext=value, EncryptionContext=context)
    except Refusal as refusal:
        return _error(refusal)
    sealed = Sealed(str(result["KeyId"]), result["CiphertextBlob"], context)

    def stored(parsed: dict[str, Any]) -> ServiceError | None:
        version = parsed.get("Version")
        if not isinstance(version, int):
            return None
        with memory.lock:
            parameter = memory.parameters.get(where)
            if parameter is None:
                parameter = memory.parameters[where] = _Parameter(key, bool(advanced))
            parameter.key, parameter.advanced = key, bool(advanced)
            parameter.versions[version] = sealed
        return None

    return stored


def _reads(acting: Acting, memory: _Memory, operation: str) -> Outcome:
    """Decrypt each SecureString value the answer carries, once Parameter Store has found
    them (ParameterNotFound and the like come first, as on AWS)."""

    def check(parsed: dict[str, Any]) -> ServiceError | None:
        found = parsed.get("Parameter")
        returned: Iterable[Any] = [found] if found else parsed.get("Parameters") or ()
        for parameter in returned:
            if parameter.get("Type") != "SecureString":
                continue
            name = _name(str(parameter.get("Name", "")))
            with memory.lock:
                known = memory.parameters.get((acting.region, name))
                sealed = None if known is None else known.versions.get(parameter.get("Version"))
            if sealed is None:
                continue
            try:
                sealed.open(acting.about(name))
            except Refusal as refusal:
                return _error(refusal)
        return None

    return check


def _deleted(acting: Acting, memory: _Memory, operation: str, params: Mapping[str, Any]) -> Outcome:
    def forget(parsed: dict[str, Any]) -> ServiceError | None:
        names = (
            [params.get("Name")]
            if operation == "DeleteParameter"
            else parsed.get("DeletedParameters") or ()
        )
        with memory.lock:
            for name in names:
                memory.parameters.pop((acting.region, _name(str(name))), None)
        return None

    return forget


def _name(name: str) -> str:
    """A parameter's name, from its name or ARN, without a ``:version`` or ``:label``
    selector."""
    if name.startswith("arn:"):
        name = name.split(":parameter", 1)[-1]
    return name.rsplit(":", 1)[0] if ":" in name else name


def _arn(acting: Acting, name: str) -> str:
    path = name if name.startswith("/") else f"/{name}"
    return f"arn:{acting.partition}:ssm:{acting.region}:{acting.caller.account}:parameter{path}"


def _error(refusal: Refusal) -> ServiceError:
    code = "AccessDeniedException" if refusal.code == "AccessDeniedException" else "InvalidKeyId"
    return ServiceError(400, code, refusal.java_sdk_detail())
