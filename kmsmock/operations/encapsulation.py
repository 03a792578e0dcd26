"""Key encapsulation: Encapsulate and Decapsulate (FIPS 203 ML-KEM) with ENCAPSULATE_DECAPSULATE
keys.

The two operations exist only in botocore models from 1.44 on. They register on every model:
an older model has no such operation, so no request ever names them there (the protocol layer
refuses an operation its model lacks before dispatch).

Not available in the China Regions (both API references): no ML-KEM key can be made there
(CreateKey refuses the specs), so a request there fails when its key is looked up. AWS's own
answer for the China Regions is not recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keys import Key
from kmsmock.backend.keystate import require_usable
from kmsmock.backend.usage import private_key, require_usage
from kmsmock.errors import KmsError
from kmsmock.operations.encryption import check_dry_run
from kmsmock.operations.table import Params, Result, operation

if TYPE_CHECKING:
    from kmsmock.crypto import mlkem_keys


def _mlkem_key(context: RequestContext, params: Params) -> Key:
    """The ML-KEM key the request names, after AWS's checks: identifier and permission
    (kms:Encapsulate / kms:Decapsulate in the key policy, IAM or a grant; cross-account by key
    ARN or alias ARN), key state, then key usage. EncapsulationAlgorithm's only value, ML_KEM,
    is checked by the model (protocol/parse.py)."""
    key = resolve_key(context, params["KeyId"], alias=True)
    require_usable(key, context.operation)
    require_usage(context, key, "ENCAPSULATE_DECAPSULATE")
    return key


@operation("Encapsulate")
def encapsulate(context: RequestContext, params: Params) -> Result:
    key = _mlkem_key(context, params)
    check_dry_run(params)
    from kmsmock.crypto import mlkem_keys  # on first use, as the other key families

    private = cast("mlkem_keys.MLKEMPrivateKey", private_key(key))
    secret, blob = mlkem_keys.encapsulate(private)
    key.last_used = (context.operation, context.now, context.request_id)
    return {
        "KeyId": key.arn,
        "SharedSecret": secret,
        "SharedSecretCiphertextBlob": blob,
        "EncapsulationAlgorithm": params["EncapsulationAlgorithm"],
    }


@operation("Decapsulate")
def decapsulate(context: RequestContext, params: Params) -> Result:
    key = _mlkem_key(context, params)
    from kmsmock.crypto import mlkem_keys  # on first use, as the other key families

    blob: bytes = params["SharedSecretCiphertextBlob"]
    if len(blob) != mlkem_keys.CIPHERTEXT_BYTES[key.key_spec]:
        # The Decapsulate API reference: InvalidCiphertextException only when the blob's length
        # does not fit the key spec; sent with an empty message, as AWS's recorded
        # InvalidCiphertextExceptions are. Any other blob decapsulates (implicit rejection).
        raise KmsError("InvalidCiphertextException", "")
    check_dry_run(params)
    private = cast("mlkem_keys.MLKEMPrivateKey", private_key(key))
    secret = mlkem_keys.decapsulate(private, key.key_spec, blob)
    assert secret is not None  # the length was checked
    key.last_used = (context.operation, context.now, context.request_id)
    return {
        "KeyId": key.arn,
        "SharedSecret": secret,
        "EncapsulationAlgorithm": params["EncapsulationAlgorithm"],
    }
