"""kmsmock.crypto.mldsa_mu, FIPS 204 ML-DSA from mu, against `cryptography` in both directions.

These are the correctness proof: the same public key from the same seed, signatures from mu that
`cryptography` accepts over the message, and `cryptography`'s signatures that verify from mu.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from conftest import requires_cryptography
from cryptography.exceptions import InvalidSignature
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.crypto import mldsa_mu

SPECS = ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87"]
# The tests that check mldsa_mu against `cryptography` skip where it cannot make ML-DSA keys
# (before 48); mldsa_mu itself is pure Python.
CHECKED_SPECS = [pytest.param(spec, marks=requires_cryptography(spec)) for spec in SPECS]
# FIPS 204 Table 2: private key, public key and signature sizes in bytes.
SIZES = {
    "ML_DSA_44": (2560, 1312, 2420),
    "ML_DSA_65": (4032, 1952, 3309),
    "ML_DSA_87": (4896, 2592, 4627),
}
seeds = st.binary(min_size=32, max_size=32)
messages = st.binary(max_size=300)


def offline_mu(public: bytes, message: bytes, context: bytes = b"") -> bytes:
    """FIPS 204 section 6.2 written out again, independently of mldsa_mu.external_mu."""
    tr = hashlib.shake_256(public).digest(64)
    return hashlib.shake_256(tr + bytes([0, len(context)]) + context + message).digest(64)


def private_class(spec: str) -> Any:
    # Imported here: a `cryptography` before 47 has no mldsa module.
    from cryptography.hazmat.primitives.asymmetric import mldsa

    return getattr(mldsa, f"MLDSA{spec[-2:]}PrivateKey")


def key_pair(spec: str, seed: bytes) -> tuple[Any, bytes, mldsa_mu.ExpandedKey]:
    private = private_class(spec).from_seed_bytes(seed)
    return private, private.public_key().public_bytes_raw(), mldsa_mu.keygen_internal(seed, spec)


def flip(data: bytes, index: int) -> bytes:
    index %= len(data)
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.mark.parametrize("spec", CHECKED_SPECS)
def test_private_bytes_raw_is_the_seed(spec: str) -> None:
    private = private_class(spec).generate()
    seed = private.private_bytes_raw()
    assert len(seed) == 32
    expanded = mldsa_mu.keygen_internal(seed, spec)
    assert expanded.public == private.public_key().public_bytes_raw()


@pytest.mark.parametrize("spec", CHECKED_SPECS)
@settings(max_examples=10, deadline=None)
@given(seed=seeds)
def test_keygen_gives_cryptographys_public_key(spec: str, seed: bytes) -> None:
    _, public, expanded = key_pair(spec, seed)
    assert expanded.public == public
    assert len(public) == SIZES[spec][1] == mldsa_mu.PARAMS[spec].pk_len
    assert expanded.tr == hashlib.shake_256(public).digest(64)


@pytest.mark.parametrize("spec", SPECS)
def test_sk_encode_has_fips_204_layout(spec: str) -> None:
    expanded = mldsa_mu.keygen_internal(bytes(range(32)), spec)
    e = expanded
    encoded = mldsa_mu.sk_encode(e.rho, e.key, e.tr, e.s1, e.s2, e.t0, e.params)
    assert len(encoded) == SIZES[spec][0]
    assert encoded[:128] == e.rho + e.key + e.tr
    assert e.public[:32] == e.rho


@pytest.mark.parametrize("spec", CHECKED_SPECS)
@settings(max_examples=8, deadline=None)
@given(seed=seeds, message=messages, deterministic=st.booleans())
def test_a_signature_from_mu_verifies_with_cryptography_over_the_message(
    spec: str, seed: bytes, message: bytes, deterministic: bool
) -> None:
    private, public, expanded = key_pair(spec, seed)
    mu = offline_mu(public, message)
    assert mldsa_mu.external_mu(public, message) == mu
    signature = mldsa_mu.sign_internal(expanded, mu, bytes(32) if deterministic else None)
    assert len(signature) == SIZES[spec][2] == mldsa_mu.PARAMS[spec].sig_len
    private.public_key().verify(signature, message)
    assert mldsa_mu.verify_internal(public, mu, signature, spec)
    with pytest.raises(InvalidSignature):
        private.public_key().verify(signature, message + b"!")


@pytest.mark.parametrize("spec", CHECKED_SPECS)
def test_deterministic_signing_repeats_and_hedged_does_not(spec: str) -> None:
    _, public, expanded = key_pair(spec, bytes(32))
    mu = offline_mu(public, b"m")
    deterministic = mldsa_mu.sign_internal(expanded, mu, bytes(32))
    assert mldsa_mu.sign_internal(expanded, mu, bytes(32)) == deterministic
    assert mldsa_mu.sign_internal(expanded, mu) != mldsa_mu.sign_internal(expanded, mu)


@pytest.mark.parametrize("spec", CHECKED_SPECS)
@settings(max_examples=8, deadline=None)
@given(seed=seeds, message=messages, context=st.binary(max_size=255))
def test_cryptographys_signature_verifies_from_mu(
    spec: str, seed: bytes, message: bytes, context: bytes
) -> None:
    private, public, _ = key_pair(spec, seed)
    signature = private.sign(message)
    assert mldsa_mu.verify_internal(public, offline_mu(public, message), signature, spec)
    assert not mldsa_mu.verify_internal(public, offline_mu(public, message + b"!"), signature, spec)
    # A context is part of M' (FIPS 204 Algorithm 2), so mu carries it too.
    with_context = private.sign(message, context)
    mu = offline_mu(public, message, context)
    assert mldsa_mu.external_mu(public, message, context) == mu
    assert mldsa_mu.verify_internal(public, mu, with_context, spec)
    if context:
        assert not mldsa_mu.verify_internal(public, offline_mu(public, message), with_context, spec)


@pytest.mark.parametrize("spec", CHECKED_SPECS)
@settings(max_examples=15, deadline=None)
@given(index=st.integers(min_value=0))
def test_any_changed_signature_byte_is_refused_without_raising(spec: str, index: int) -> None:
    private, public, _ = key_pair(spec, bytes([7]) * 32)
    signature = private.sign(b"m")
    mu = offline_mu(public, b"m")
    assert not mldsa_mu.verify_internal(public, mu, flip(signature, index), spec)


def hint(p: mldsa_mu.Params, rows: list[list[int]], ends: list[int] | None = None) -> bytes:
    """HintBitPack's layout written out: the indices, zero padding, then each row's end."""
    indices = [j for row in rows for j in row]
    counts = ends or [sum(len(row) for row in rows[: i + 1]) for i in range(p.k)]
    return bytes(indices) + bytes(p.omega - len(indices)) + bytes(counts)


@pytest.mark.parametrize("spec", SPECS)
def test_hint_unpacking_refuses_non_canonical_hints(spec: str) -> None:
    p = mldsa_mu.PARAMS[spec]
    rows = [[5, 6]] + [[]] * (p.k - 2) + [[0, 255]]
    canonical = hint(p, rows)
    unpacked = mldsa_mu._hint_unpack(canonical, p)
    assert unpacked is not None
    assert [[j for j in range(256) if row[j]] for row in unpacked] == rows
    assert mldsa_mu._hint_pack(unpacked, p) == canonical
    for bad in (
        hint(p, [[5, 5]] + [[]] * (p.k - 1)),  # repeated index
        hint(p, [[6, 5]] + [[]] * (p.k - 1)),  # decreasing indices
        hint(p, [[5]] + [[]] * (p.k - 1), ends=[1, 0] + [1] * (p.k - 2)),  # decreasing ends
        hint(p, [[]] * p.k, ends=[p.omega + 1] * p.k),  # more than omega
        b"\x01" + hint(p, [[]] * p.k)[1:],  # nonzero padding
    ):
        assert mldsa_mu._hint_unpack(bad, p) is None


@pytest.mark.parametrize("spec", CHECKED_SPECS)
def test_a_signature_with_a_malformed_hint_is_refused(spec: str) -> None:
    private, public, _ = key_pair(spec, bytes([9]) * 32)
    p = mldsa_mu.PARAMS[spec]
    signature = private.sign(b"m")
    mu = offline_mu(public, b"m")
    assert mldsa_mu.verify_internal(public, mu, signature, spec)
    # Nonzero padding after the last index, or an end beyond omega: refused, never raised. The
    # last end is the number of indices, so the byte before the ends is padding unless it is omega.
    if signature[-1] < p.omega:
        padded = signature[: -(p.k + 1)] + b"\x01" + signature[-p.k :]
        assert not mldsa_mu.verify_internal(public, mu, padded, spec)
    too_many = signature[:-1] + bytes([p.omega + 1])
    assert not mldsa_mu.verify_internal(public, mu, too_many, spec)


@pytest.mark.parametrize("spec", CHECKED_SPECS)
def test_wrong_lengths_are_refused(spec: str) -> None:
    private, public, _ = key_pair(spec, bytes([3]) * 32)
    signature = private.sign(b"m")
    mu = offline_mu(public, b"m")
    assert mldsa_mu.verify_internal(public, mu, signature, spec)
    assert not mldsa_mu.verify_internal(public, mu, signature[:-1], spec)
    assert not mldsa_mu.verify_internal(public, mu, signature + b"\x00", spec)
    assert not mldsa_mu.verify_internal(public, mu[:32], signature, spec)
    assert not mldsa_mu.verify_internal(public[:-1], mu, signature, spec)
    other = "ML_DSA_65" if spec == "ML_DSA_44" else "ML_DSA_44"
    assert not mldsa_mu.verify_internal(public, mu, signature, other)


def test_ntt_round_trips_and_multiplies() -> None:
    q = mldsa_mu.Q
    a = [(i * 7919 + 3) % q for i in range(256)]
    b = [(i * i + 1) % q for i in range(256)]
    assert mldsa_mu.ntt_inv(mldsa_mu.ntt(a)) == a
    # Schoolbook product in Z_q[X]/(X^256 + 1), the ring the NTT multiplies in.
    product = [0] * 256
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if i + j < 256:
                product[i + j] += x * y
            else:
                product[i + j - 256] -= x * y
    ntt_product = [x * y % q for x, y in zip(mldsa_mu.ntt(a), mldsa_mu.ntt(b), strict=True)]
    assert mldsa_mu.ntt_inv(ntt_product) == [x % q for x in product]
