"""Shamir's secret sharing over GF(2^8), in Vault's share format.

Each byte of the secret gets its own random polynomial of degree ``threshold-1``.
A share is the polynomial values for every byte followed by one byte holding the
x coordinate (never 0; coordinates are a random permutation of 1..255 as Vault's).
There is no integrity check: wrong shares combine to a wrong key, which the caller
detects when the key fails to open the sealed root key.
"""

from __future__ import annotations

from pyvault.crypto.random import RandomSource, shuffled


class ShamirError(ValueError):
    pass


def _tables() -> tuple[list[int], list[int]]:
    exp = [0] * 510
    log = [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        # multiply by the generator 3 in GF(2^8) with the AES polynomial 0x11B
        value ^= (value << 1) ^ (0x11B if value & 0x80 else 0)
        value &= 0xFF
    for power in range(255, 510):
        exp[power] = exp[power - 255]
    return exp, log


_EXP, _LOG = _tables()


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(2^8)")
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


def _evaluate(coefficients: list[int], x: int) -> int:
    """Horner's rule; ``coefficients[0]`` is the intercept."""
    result = 0
    for coefficient in reversed(coefficients):
        result = _mul(result, x) ^ coefficient
    return result


def split(secret: bytes, parts: int, threshold: int, source: RandomSource) -> list[bytes]:
    """Split ``secret`` into ``parts`` shares, any ``threshold`` of which rebuild it."""
    if parts < threshold:
        raise ShamirError("parts cannot be less than threshold")
    if parts > 255:
        raise ShamirError("parts cannot exceed 255")
    if threshold < 2:
        raise ShamirError("threshold must be at least 2")
    if not secret:
        raise ShamirError("cannot split an empty secret")
    xs = shuffled(source, list(range(1, 256)))[:parts]
    shares = [bytearray(len(secret) + 1) for _ in range(parts)]
    for share, x in zip(shares, xs, strict=True):
        share[-1] = x
    for index, byte in enumerate(secret):
        coefficients = [byte, *source.bytes(threshold - 1)]
        for share, x in zip(shares, xs, strict=True):
            share[index] = _evaluate(coefficients, x)
    return [bytes(share) for share in shares]


def combine(shares: list[bytes]) -> bytes:
    """Rebuild the secret from at least two shares by Lagrange interpolation at 0."""
    if len(shares) < 2:
        raise ShamirError("less than two parts cannot be used to reconstruct the secret")
    length = len(shares[0])
    if length < 2:
        raise ShamirError("parts must be at least two bytes")
    if any(len(share) != length for share in shares):
        raise ShamirError("all parts must be the same length")
    xs = [share[-1] for share in shares]
    if len(set(xs)) != len(xs):
        raise ShamirError("duplicate part detected")
    if 0 in xs:
        raise ShamirError("invalid part: x coordinate 0")
    basis: list[int] = []
    for i, xi in enumerate(xs):
        weight = 1
        for j, xj in enumerate(xs):
            if i != j:
                weight = _mul(weight, _div(xj, xi ^ xj))
        basis.append(weight)
    secret = bytearray(length - 1)
    for index in range(length - 1):
        value = 0
        for share, weight in zip(shares, basis, strict=True):
            value ^= _mul(share[index], weight)
        secret[index] = value
    return bytes(secret)
