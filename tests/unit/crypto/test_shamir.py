"""Shamir over GF(2^8) in Vault's share format."""

from __future__ import annotations

import itertools

import pytest

from pyvault.crypto import shamir
from pyvault.crypto.random import SystemRandom

SECRET = bytes(range(32))


def test_every_threshold_subset_rebuilds_the_secret() -> None:
    shares = shamir.split(SECRET, 5, 3, SystemRandom())
    for subset in itertools.combinations(shares, 3):
        assert shamir.combine(list(subset)) == SECRET
    assert shamir.combine(shares) == SECRET


def test_share_is_secret_length_plus_x_byte_and_x_is_never_zero() -> None:
    shares = shamir.split(SECRET, 255, 2, SystemRandom())
    assert all(len(share) == 33 for share in shares)
    xs = [share[-1] for share in shares]
    assert 0 not in xs
    assert sorted(xs) == list(range(1, 256))


def test_fewer_than_threshold_gives_a_different_value() -> None:
    shares = shamir.split(SECRET, 5, 3, SystemRandom())
    assert shamir.combine(shares[:2]) != SECRET


def test_known_vector_from_vault_format() -> None:
    # Two shares of the secret b"\x2a" on the line y = 0x2a + 0x07*x over GF(2^8):
    # x=1 → 0x2a^0x07 = 0x2d; x=2 → 0x2a^(0x07*2=0x0e) = 0x24.
    assert shamir.combine([bytes([0x2D, 1]), bytes([0x24, 2])]) == b"\x2a"


@pytest.mark.parametrize(
    ("parts", "threshold", "message"),
    [
        (2, 3, "parts cannot be less than threshold"),
        (256, 3, "parts cannot exceed 255"),
        (3, 1, "threshold must be at least 2"),
    ],
)
def test_split_limits(parts: int, threshold: int, message: str) -> None:
    with pytest.raises(shamir.ShamirError, match=message):
        shamir.split(SECRET, parts, threshold, SystemRandom())


def test_combine_rejects_bad_parts() -> None:
    shares = shamir.split(SECRET, 3, 2, SystemRandom())
    with pytest.raises(shamir.ShamirError, match="less than two parts"):
        shamir.combine(shares[:1])
    with pytest.raises(shamir.ShamirError, match="same length"):
        shamir.combine([shares[0], shares[1][:-2] + shares[1][-1:]])
    with pytest.raises(shamir.ShamirError, match="duplicate part"):
        shamir.combine([shares[0], shares[0]])
