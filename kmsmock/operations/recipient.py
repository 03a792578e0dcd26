"""The ``Recipient`` parameter: answers for a Nitro enclave (nitro-enclave.html in the KMS
Developer Guide).

With a Recipient, Decrypt, GenerateDataKey, GenerateDataKeyPair, GenerateRandom and
DeriveSharedSecret return the plaintext member encrypted for the attestation document's
public key, as ``CiphertextForRecipient``, and omit the plaintext member itself (API reference,
each operation's Recipient and CiphertextForRecipient).

The document is verified before authorization: its PCRs are the request's
``kms:RecipientAttestation:*`` condition keys (conditions-kms.html), which policies may test.
"""

from __future__ import annotations

from kmsmock.backend.context import RequestContext
from kmsmock.crypto import attestation, cms
from kmsmock.crypto.nitro_pki import default_ca
from kmsmock.errors import KmsError
from kmsmock.operations.table import Params, Result


def attest(context: RequestContext, recipient: Params) -> None:
    """Verify the Recipient's attestation document and note it on ``context``."""
    document = recipient.get("AttestationDocument")
    if document is None:
        # The model's own required-member wording (AWS's text for this member is not recorded).
        raise KmsError(
            "ValidationException",
            "1 validation error detected: Value null at 'recipient.attestationDocument' failed "
            "to satisfy constraint: Member must not be null",
        )
    # KeyEncryptionAlgorithm's only value, RSAES_OAEP_SHA_256, is checked by the model.
    try:
        # kmsmock trusts its test CA's root where AWS trusts the AWS Nitro PKI root.
        verified = attestation.verify(document, (default_ca().root,), context.now)
        public = attestation.recipient_key(verified)
    except attestation.MissingCbor as error:
        raise KmsError("NotImplementedException", str(error)) from None
    except attestation.InvalidAttestation as error:
        raise KmsError("ValidationException", str(error)) from None
    context.recipient = verified
    context.recipient_key = public


def deliver(context: RequestContext, result: Result, member: str, plaintext: bytes) -> Result:
    """``result`` with ``plaintext`` as ``member``, or, for a Recipient, encrypted for it as
    CiphertextForRecipient with ``member`` left out."""
    public = context.recipient_key
    if public is None:
        result[member] = plaintext
    else:
        result["CiphertextForRecipient"] = cms.seal_enveloped(public, plaintext)
    return result
