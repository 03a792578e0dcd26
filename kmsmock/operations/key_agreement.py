"""Key agreement: DeriveSharedSecret (ECDH) with KEY_AGREEMENT keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keystate import require_usable
from kmsmock.backend.usage import private_key, require_usage
from kmsmock.errors import KmsError
from kmsmock.operations.encryption import check_dry_run
from kmsmock.operations.recipient import deliver
from kmsmock.operations.table import Params, Result, operation

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec


@operation("DeriveSharedSecret")
def derive_shared_secret(context: RequestContext, params: Params) -> Result:
    key = resolve_key(context, params["KeyId"], alias=True)
    require_usable(key, context.operation)
    require_usage(context, key, "KEY_AGREEMENT")
    # KeyAgreementAlgorithm's only value, ECDH, is checked by the model (protocol/parse.py).
    algorithm: str = params["KeyAgreementAlgorithm"]
    if key.key_spec == "SM2":
        # Plain ECDH on the SM2 curve, as the API reference documents for SM2 keys (China
        # regions); crypto/sm2_keys.py needs the optional dependency gmssl.
        from kmsmock.crypto import sm2_keys

        sm2_private = cast("sm2_keys.SM2PrivateKey", private_key(key))
        secret = sm2_keys.derive_shared_secret(sm2_private, params["PublicKey"])
    else:
        from kmsmock.crypto import ecc_keys  # on first use

        # The other KEY_AGREEMENT keys are all ECC keys (CreateKey allows no other spec).
        private = cast("ec.EllipticCurvePrivateKey", private_key(key))
        secret = ecc_keys.derive_shared_secret(private, params["PublicKey"])
    if secret is None:
        # Recorded for a PublicKey that is not DER: ValidationException with an empty message.
        # AWS's answer to a valid SPKI on another curve or off the curve is not recorded; the
        # mock answers the same.
        raise KmsError("ValidationException", "")
    check_dry_run(params)
    key.last_used = (context.operation, context.now, context.request_id)
    result = deliver(context, {"KeyId": key.arn}, "SharedSecret", secret)
    result.update(KeyAgreementAlgorithm=algorithm, KeyOrigin=key.origin)
    return result
