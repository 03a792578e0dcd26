"""HMAC operations: GenerateMac, VerifyMac."""

from __future__ import annotations

from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keys import Key
from kmsmock.backend.keystate import require_usable
from kmsmock.backend.usage import incompatible, require_usage
from kmsmock.crypto import hmac_keys
from kmsmock.errors import KmsError
from kmsmock.operations.encryption import check_dry_run
from kmsmock.operations.table import Params, Result, operation


def _mac_key(context: RequestContext, params: Params) -> tuple[Key, bytes, str]:
    """The HMAC key the request names and its key bytes, after AWS's checks in AWS's order."""
    algorithm: str = params["MacAlgorithm"]
    key = resolve_key(context, params["KeyId"], alias=True)
    require_usable(key, context.operation)
    require_usage(context, key, "GENERATE_VERIFY_MAC")
    if hmac_keys.MAC_ALGORITHM.get(key.key_spec) != algorithm:
        raise incompatible(algorithm, key)
    check_dry_run(params)
    imported = key.imported
    if imported is not None and imported.secret is not None:
        secret = imported.secret  # Origin EXTERNAL: the bytes the user imported
    else:
        secret = hmac_keys.key_bytes(key.instance_secret, key.key_id, key.key_spec)
    return key, secret, algorithm


@operation("GenerateMac")
def generate_mac(context: RequestContext, params: Params) -> Result:
    key, secret, algorithm = _mac_key(context, params)
    tag = hmac_keys.mac(secret, algorithm, params["Message"])
    key.last_used = (context.operation, context.now, context.request_id)
    return {"Mac": tag, "MacAlgorithm": algorithm, "KeyId": key.arn}


@operation("VerifyMac")
def verify_mac(context: RequestContext, params: Params) -> Result:
    key, secret, algorithm = _mac_key(context, params)
    if not hmac_keys.verify(secret, algorithm, params["Message"], params["Mac"]):
        # AWS answers an exception, never MacValid=false; its message is empty.
        raise KmsError("KMSInvalidMacException", "")
    key.last_used = (context.operation, context.now, context.request_id)
    return {"KeyId": key.arn, "MacValid": True, "MacAlgorithm": algorithm}
