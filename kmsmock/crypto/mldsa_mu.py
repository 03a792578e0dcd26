"""FIPS 204 ML-DSA internal algorithms in pure Python, for Sign and Verify with EXTERNAL_MU.

`cryptography` signs and verifies ML-DSA only over a message, never over a caller's precomputed
mu = SHAKE256(tr || M', 64) (FIPS 204 section 6.2, "external mu"), which is what KMS takes with
MessageType EXTERNAL_MU. This module implements ML-DSA.KeyGen_internal (Algorithm 6) from the
32-byte seed xi that `cryptography`'s ``private_bytes_raw()`` returns, ML-DSA.Sign_internal
(Algorithm 7) from mu, and ML-DSA.Verify_internal (Algorithm 8) with mu. The interoperability
tests in tests/unit/test_mldsa_mu.py prove it against `cryptography` both ways.

Polynomials are plain lists of 256 ints, usually reduced to [0, q); vectors are lists of them.
Nothing here is constant-time: it is a mock's signer, not a production one.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Q = 8380417
N = 256
D = 13  # dropped bits of t (FIPS 204 Table 1)
_INV_256 = 8347681  # 256^-1 mod q, the final factor of NTT^-1 (Algorithm 42)

Poly = list[int]
Vec = list[Poly]


@dataclass(frozen=True)
class Params:
    """One row of FIPS 204 Table 1."""

    name: str
    tau: int  # nonzero coefficients of c
    lam: int  # collision strength lambda; c~ is lambda/4 bytes
    gamma1: int  # coefficient range of y
    gamma2: int  # low-order rounding range
    k: int  # rows of A
    ell: int  # columns of A
    eta: int  # private key range
    omega: int  # maximum number of 1s in the hint

    @property
    def beta(self) -> int:
        return self.tau * self.eta

    @property
    def sig_len(self) -> int:
        return self.lam // 4 + self.ell * 32 * _gamma1_bits(self) + self.omega + self.k

    @property
    def pk_len(self) -> int:
        return 32 + 320 * self.k


PARAMS = {
    "ML_DSA_44": Params("ML_DSA_44", 39, 128, 1 << 17, (Q - 1) // 88, 4, 4, 2, 80),
    "ML_DSA_65": Params("ML_DSA_65", 49, 192, 1 << 19, (Q - 1) // 32, 6, 5, 4, 55),
    "ML_DSA_87": Params("ML_DSA_87", 60, 256, 1 << 19, (Q - 1) // 32, 8, 7, 2, 75),
}


def _gamma1_bits(p: Params) -> int:
    # 1 + bitlen(gamma1 - 1): the width of a packed z or y coefficient (Algorithm 34).
    return 1 + (p.gamma1 - 1).bit_length()


def _h(data: bytes, length: int) -> bytes:
    """H, SHAKE256 (FIPS 204 section 3.7)."""
    return hashlib.shake_256(data).digest(length)


def _centered(x: int) -> int:
    """x mod+- q, for x in [0, q)."""
    return x - Q if x > (Q - 1) // 2 else x


def _inf_norm(v: Vec) -> int:
    return max(abs(_centered(x % Q)) for poly in v for x in poly)


class _Xof:
    """Reads an XOF's output as a stream; hashlib only squeezes a fixed length, so a longer
    prefix is squeezed again when the first runs out (SHAKE's output is a prefix-stable stream).
    """

    def __init__(self, xof: Any, start: int) -> None:
        self._xof = xof
        self._buf: bytes = xof.digest(start)
        self._pos = 0

    def read(self, n: int) -> bytes:
        while self._pos + n > len(self._buf):
            self._buf = self._xof.digest(2 * len(self._buf))
        out = self._buf[self._pos : self._pos + n]
        self._pos += n
        return out


# --- NTT (Algorithms 41 and 42) ---------------------------------------------------------------


def _brv8(i: int) -> int:
    return int(f"{i:08b}"[::-1], 2)


# zeta^BitRev8(i) mod q with zeta = 1753, the 512th root of unity (Appendix B).
_ZETAS = [pow(1753, _brv8(i), Q) for i in range(N)]


def ntt(f: Poly) -> Poly:
    """Algorithm 41. Additions are left unreduced (Python ints do not overflow)."""
    w = list(f)
    m = 0
    length = 128
    while length >= 1:
        for start in range(0, N, 2 * length):
            m += 1
            z = _ZETAS[m]
            for j in range(start, start + length):
                t = z * w[j + length] % Q
                w[j + length] = w[j] - t
                w[j] = w[j] + t
        length //= 2
    return [x % Q for x in w]


def ntt_inv(w_hat: Poly) -> Poly:
    """Algorithm 42."""
    w = list(w_hat)
    m = N
    length = 1
    while length < N:
        for start in range(0, N, 2 * length):
            m -= 1
            z = Q - _ZETAS[m]
            for j in range(start, start + length):
                t = w[j]
                w[j] = t + w[j + length]
                w[j + length] = z * (t - w[j + length]) % Q
        length *= 2
    return [x * _INV_256 % Q for x in w]


def _mul(a: Poly, b: Poly) -> Poly:
    """MultiplyNTT (Algorithm 45)."""
    return [x * y % Q for x, y in zip(a, b, strict=True)]


def _mat_vec(a_hat: list[Vec], v_hat: Vec) -> Vec:
    """NTT^-1(A_hat o v_hat) (section 2.5), summing each row before reducing."""
    out = []
    for row in a_hat:
        acc = [0] * N
        for a, v in zip(row, v_hat, strict=True):
            acc = [s + x * y for s, x, y in zip(acc, a, v, strict=True)]
        out.append(ntt_inv([x % Q for x in acc]))
    return out


# --- Sampling (Algorithms 29-34) --------------------------------------------------------------


def _sample_in_ball(seed: bytes, tau: int) -> Poly:
    """Algorithm 29: c with tau coefficients in {-1, 1}, the rest 0."""
    xof = _Xof(hashlib.shake_256(seed), 8 + 2 * tau)
    signs = int.from_bytes(xof.read(8), "little")
    c = [0] * N
    for i in range(N - tau, N):
        j = xof.read(1)[0]
        while j > i:
            j = xof.read(1)[0]
        c[i] = c[j]
        c[j] = Q - 1 if (signs >> (i + tau - N)) & 1 else 1
    return c


def _rej_ntt_poly(seed: bytes) -> Poly:
    """Algorithm 30 with CoeffFromThreeBytes (Algorithm 14): a uniform polynomial in T_q."""
    xof = _Xof(hashlib.shake_128(seed), 840)
    out: Poly = []
    while len(out) < N:
        b0, b1, b2 = xof.read(3)
        z = b0 | b1 << 8 | (b2 & 0x7F) << 16
        if z < Q:
            out.append(z)
    return out


def _rej_bounded_poly(seed: bytes, eta: int) -> Poly:
    """Algorithm 31 with CoeffFromHalfByte (Algorithm 15): coefficients in [-eta, eta]."""
    xof = _Xof(hashlib.shake_256(seed), 272)
    out: Poly = []
    while len(out) < N:
        byte = xof.read(1)[0]
        for b in (byte & 0x0F, byte >> 4):
            if len(out) == N:
                break
            if eta == 2 and b < 15:
                out.append((2 - b % 5) % Q)
            elif eta == 4 and b < 9:
                out.append((4 - b) % Q)
    return out


@lru_cache(maxsize=32)
def _expand_a(rho: bytes, k: int, ell: int) -> list[Vec]:
    """Algorithm 32: A_hat, in NTT form (cached: it depends on the public seed rho only)."""
    return [[_rej_ntt_poly(rho + bytes([s, r])) for s in range(ell)] for r in range(k)]


def _expand_s(rho: bytes, p: Params) -> tuple[Vec, Vec]:
    """Algorithm 33."""
    s1 = [_rej_bounded_poly(rho + r.to_bytes(2, "little"), p.eta) for r in range(p.ell)]
    s2 = [_rej_bounded_poly(rho + (r + p.ell).to_bytes(2, "little"), p.eta) for r in range(p.k)]
    return s1, s2


def _expand_mask(rho: bytes, kappa: int, p: Params) -> Vec:
    """Algorithm 34: y with coefficients in [-gamma1 + 1, gamma1]."""
    c = _gamma1_bits(p)
    return [
        _bit_unpack(_h(rho + (kappa + r).to_bytes(2, "little"), 32 * c), c, p.gamma1)
        for r in range(p.ell)
    ]


# --- Bit packing (Algorithms 16-21) -----------------------------------------------------------


def _pack(coeffs: list[int], bits: int) -> bytes:
    """SimpleBitPack (Algorithm 16) of coefficients already in [0, 2^bits)."""
    v = 0
    for c in reversed(coeffs):
        v = (v << bits) | c
    return v.to_bytes(bits * N // 8, "little")


def _unpack(data: bytes, bits: int) -> list[int]:
    """SimpleBitUnpack (Algorithm 18)."""
    v = int.from_bytes(data, "little")
    mask = (1 << bits) - 1
    return [(v >> (bits * i)) & mask for i in range(N)]


def _bit_pack(w: Poly, bits: int, b: int) -> bytes:
    """BitPack (Algorithm 17): packs b - w_i for centered w_i in [-a, b], bits = bitlen(a + b)."""
    return _pack([b - _centered(x % Q) for x in w], bits)


def _bit_unpack(data: bytes, bits: int, b: int) -> Poly:
    """BitUnpack (Algorithm 19), returning centered ints b - v."""
    return [b - v for v in _unpack(data, bits)]


def _hint_pack(h: list[list[int]], p: Params) -> bytes:
    """HintBitPack (Algorithm 20)."""
    y = bytearray(p.omega + p.k)
    index = 0
    for i, row in enumerate(h):
        for j in range(N):
            if row[j]:
                y[index] = j
                index += 1
        y[p.omega + i] = index
    return bytes(y)


def _hint_unpack(y: bytes, p: Params) -> list[list[int]] | None:
    """HintBitUnpack (Algorithm 21); None for a malformed (non-canonical) hint."""
    h = [[0] * N for _ in range(p.k)]
    index = 0
    for i in range(p.k):
        end = y[p.omega + i]
        if end < index or end > p.omega:
            return None
        first = index
        while index < end:
            if index > first and y[index - 1] >= y[index]:
                return None
            h[i][y[index]] = 1
            index += 1
    if any(y[index : p.omega]):
        return None
    return h


def pk_encode(rho: bytes, t1: Vec) -> bytes:
    """Algorithm 22: t1's coefficients are bitlen(q - 1) - d = 10 bits."""
    return rho + b"".join(_pack(poly, 10) for poly in t1)


def sk_encode(rho: bytes, key: bytes, tr: bytes, s1: Vec, s2: Vec, t0: Vec, p: Params) -> bytes:
    """Algorithm 24 (not needed to sign here, which keeps the expanded key; kept for tests)."""
    eta_bits = (2 * p.eta).bit_length()
    return (
        rho
        + key
        + tr
        + b"".join(_bit_pack(s, eta_bits, p.eta) for s in s1 + s2)
        + b"".join(_bit_pack(t, D, 1 << (D - 1)) for t in t0)
    )


def sig_encode(c_tilde: bytes, z: Vec, h: list[list[int]], p: Params) -> bytes:
    """Algorithm 26."""
    bits = _gamma1_bits(p)
    return c_tilde + b"".join(_bit_pack(poly, bits, p.gamma1) for poly in z) + _hint_pack(h, p)


def sig_decode(sig: bytes, p: Params) -> tuple[bytes, Vec, list[list[int]] | None]:
    """Algorithm 27 (the caller checks the length first)."""
    bits = _gamma1_bits(p)
    size = 32 * bits
    c_len = p.lam // 4
    z = [
        _bit_unpack(sig[c_len + i * size : c_len + (i + 1) * size], bits, p.gamma1)
        for i in range(p.ell)
    ]
    return sig[:c_len], z, _hint_unpack(sig[c_len + p.ell * size :], p)


def _w1_encode(w1: Vec, p: Params) -> bytes:
    """Algorithm 28: w1's coefficients are in [0, (q - 1) / (2 gamma2) - 1]."""
    bits = ((Q - 1) // (2 * p.gamma2) - 1).bit_length()
    return b"".join(_pack(poly, bits) for poly in w1)


# --- Rounding (Algorithms 35-40) --------------------------------------------------------------


def _power2round(r: int) -> tuple[int, int]:
    """Algorithm 35, for r in [0, q): (r1, r0) with r0 = r mod+- 2^d."""
    r0 = r & ((1 << D) - 1)
    if r0 > 1 << (D - 1):
        r0 -= 1 << D
    return (r - r0) >> D, r0


def _decompose(r: int, gamma2: int) -> tuple[int, int]:
    """Algorithm 36, for r in [0, q)."""
    r0 = r % (2 * gamma2)
    if r0 > gamma2:
        r0 -= 2 * gamma2
    if r - r0 == Q - 1:
        return 0, r0 - 1
    return (r - r0) // (2 * gamma2), r0


def _high_bits(r: int, gamma2: int) -> int:
    """Algorithm 37."""
    return _decompose(r, gamma2)[0]


def _use_hint(h: int, r: int, gamma2: int) -> int:
    """Algorithm 40."""
    m = (Q - 1) // (2 * gamma2)
    r1, r0 = _decompose(r, gamma2)
    if h and r0 > 0:
        return (r1 + 1) % m
    if h:
        return (r1 - 1) % m
    return r1


# --- ML-DSA internal algorithms (Algorithms 6-8) ----------------------------------------------


@dataclass(frozen=True)
class ExpandedKey:
    params: Params
    public: bytes  # pkEncode(rho, t1)
    rho: bytes
    key: bytes  # K
    tr: bytes
    s1: Vec
    s2: Vec
    t0: Vec
    s1_hat: Vec
    s2_hat: Vec
    t0_hat: Vec


@lru_cache(maxsize=64)
def keygen_internal(seed: bytes, spec: str) -> ExpandedKey:
    """ML-DSA.KeyGen_internal (Algorithm 6) from the 32-byte seed xi."""
    p = PARAMS[spec]
    expanded = _h(seed + bytes([p.k, p.ell]), 128)
    rho, rho_prime, key = expanded[:32], expanded[32:96], expanded[96:]
    s1, s2 = _expand_s(rho_prime, p)
    s1_hat = [ntt(s) for s in s1]
    t = [
        [(a + b) % Q for a, b in zip(row, s, strict=True)]
        for row, s in zip(_mat_vec(_expand_a(rho, p.k, p.ell), s1_hat), s2, strict=True)
    ]
    t1 = [[_power2round(x)[0] for x in poly] for poly in t]
    t0 = [[_power2round(x)[1] % Q for x in poly] for poly in t]
    public = pk_encode(rho, t1)
    s2_hat = [ntt(s) for s in s2]
    t0_hat = [ntt(t) for t in t0]
    return ExpandedKey(p, public, rho, key, _h(public, 64), s1, s2, t0, s1_hat, s2_hat, t0_hat)


def external_mu(public: bytes, message: bytes, context: bytes = b"") -> bytes:
    """mu = H(tr || M', 64) with tr = H(pk, 64) and M' = 0 || |ctx| || ctx || M (Algorithm 2)."""
    return _h(_h(public, 64) + bytes([0, len(context)]) + context + message, 64)


def sign_internal(key: ExpandedKey, mu: bytes, rnd: bytes | None = None) -> bytes:
    """ML-DSA.Sign_internal (Algorithm 7) from mu. Hedged by default (a fresh 32-byte rnd, as
    FIPS 204 recommends); rnd = 32 zero bytes gives the deterministic variant."""
    p = key.params
    rnd = os.urandom(32) if rnd is None else rnd
    a_hat = _expand_a(key.rho, p.k, p.ell)
    rho_pp = _h(key.key + rnd + mu, 64)
    kappa = 0
    while True:
        y = _expand_mask(rho_pp, kappa, p)
        kappa += p.ell
        w = _mat_vec(a_hat, [ntt([x % Q for x in poly]) for poly in y])
        w1 = [[_high_bits(x, p.gamma2) for x in poly] for poly in w]
        c_tilde = _h(mu + _w1_encode(w1, p), p.lam // 4)
        c_hat = ntt(_sample_in_ball(c_tilde, p.tau))
        cs1 = [ntt_inv(_mul(c_hat, s)) for s in key.s1_hat]
        z = [
            [(a + b) % Q for a, b in zip(yp, cp, strict=True)]
            for yp, cp in zip(y, cs1, strict=True)
        ]
        if _inf_norm(z) >= p.gamma1 - p.beta:
            continue
        cs2 = [ntt_inv(_mul(c_hat, s)) for s in key.s2_hat]
        r = [
            [(a - b) % Q for a, b in zip(wp, cp, strict=True)]
            for wp, cp in zip(w, cs2, strict=True)
        ]
        # LowBits(w - cs2) (Algorithm 38).
        if max(abs(_decompose(x, p.gamma2)[1]) for poly in r for x in poly) >= p.gamma2 - p.beta:
            continue
        ct0 = [ntt_inv(_mul(c_hat, t)) for t in key.t0_hat]
        if _inf_norm(ct0) >= p.gamma2:
            continue
        # MakeHint(-ct0, w - cs2 + ct0) (Algorithm 39): whether adding ct0 changes HighBits.
        h = [
            [
                int(_high_bits((x + c) % Q, p.gamma2) != _high_bits(x, p.gamma2))
                for x, c in zip(rp, cp, strict=True)
            ]
            for rp, cp in zip(r, ct0, strict=True)
        ]
        if sum(map(sum, h)) > p.omega:
            continue
        return sig_encode(c_tilde, z, h, p)


def verify_internal(public: bytes, mu: bytes, sig: bytes, spec: str) -> bool:
    """ML-DSA.Verify_internal (Algorithm 8) with mu."""
    p = PARAMS[spec]
    if len(public) != p.pk_len or len(sig) != p.sig_len or len(mu) != 64:
        return False
    rho = public[:32]
    t1 = [_unpack(public[32 + 320 * i : 32 + 320 * (i + 1)], 10) for i in range(p.k)]
    c_tilde, z, h = sig_decode(sig, p)
    if h is None or _inf_norm(z) >= p.gamma1 - p.beta:
        return False
    c_hat = ntt(_sample_in_ball(c_tilde, p.tau))
    az = _mat_vec(_expand_a(rho, p.k, p.ell), [ntt([x % Q for x in poly]) for poly in z])
    w1 = []
    for i in range(p.k):
        ct1 = ntt_inv(_mul(c_hat, ntt([x << D for x in t1[i]])))
        w1.append(
            [
                _use_hint(hint, (a - b) % Q, p.gamma2)
                for hint, a, b in zip(h[i], az[i], ct1, strict=True)
            ]
        )
    return c_tilde == _h(mu + _w1_encode(w1, p), p.lam // 4)
