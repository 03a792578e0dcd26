"""Families of KMS operations that several layers name (key states, authorization, audit):
one definition each, in a module that imports nothing, so any layer can use it."""

from __future__ import annotations

# The operations that encrypt or decrypt under a key and take an encryption context (and
# whose EncryptionAlgorithm is SYMMETRIC_DEFAULT when not given).
ENVELOPE = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
    }
)
# Every operation that uses a key's material: the key-state table's cryptographic operations.
CRYPTOGRAPHIC = ENVELOPE | frozenset(
    {
        "Sign",
        "Verify",
        "GenerateMac",
        "VerifyMac",
        "GetPublicKey",
        "DeriveSharedSecret",
        "Encapsulate",
        "Decapsulate",
    }
)
# Operations kmsmock serves that older botocore models lack (kmsmock's floor, botocore 1.35,
# has none of them; ML-KEM's came with 1.44). They are registered whatever the model: a model
# without them never dispatches them (the protocol layer answers UnknownOperationException
# first).
NEWER_MODELS = frozenset({"GetKeyLastUsage", "Encapsulate", "Decapsulate"})
