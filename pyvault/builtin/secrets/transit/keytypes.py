"""Key types: Vault's names, the integers stored in policies and backups, abilities."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyType:
    name: str
    code: int  # the integer OpenBao keeps in stored policies and backups
    encryption: bool = False
    decryption: bool = False
    signing: bool = False
    derivation: bool = False
    symmetric: bool = False
    key_bytes: int = 0
    rsa_bits: int = 0
    curve: str = ""


AES256 = KeyType("aes256-gcm96", 0, True, True, False, True, True, 32)
ECDSA_P256 = KeyType("ecdsa-p256", 1, signing=True, curve="P-256")
ED25519 = KeyType("ed25519", 2, signing=True, derivation=True)
RSA2048 = KeyType("rsa-2048", 3, True, True, True, rsa_bits=2048)
RSA4096 = KeyType("rsa-4096", 4, True, True, True, rsa_bits=4096)
CHACHA = KeyType("chacha20-poly1305", 5, True, True, False, True, True, 32)
ECDSA_P384 = KeyType("ecdsa-p384", 6, signing=True, curve="P-384")
ECDSA_P521 = KeyType("ecdsa-p521", 7, signing=True, curve="P-521")
AES128 = KeyType("aes128-gcm96", 8, True, True, False, True, True, 16)
RSA3072 = KeyType("rsa-3072", 9, True, True, True, rsa_bits=3072)
# OpenBao numbers HMAC 10 (HashiCorp Vault, with managed keys at 10, uses 11);
# restore accepts both so Vault backups of HMAC keys restore too.
HMAC = KeyType("hmac", 10)

ALL = (AES256, ECDSA_P256, ED25519, RSA2048, RSA4096, CHACHA, ECDSA_P384, ECDSA_P521,
       AES128, RSA3072, HMAC)
BY_NAME = {t.name: t for t in ALL}
BY_CODE = {t.code: t for t in ALL}
VAULT_HMAC_CODE = 11

HMAC_MIN_KEY_SIZE = 32
HMAC_MAX_KEY_SIZE = 512


def from_code(code: int) -> KeyType:
    if code == VAULT_HMAC_CODE:
        return HMAC
    try:
        return BY_CODE[code]
    except KeyError:
        raise ValueError(f"unsupported key type {code}") from None
