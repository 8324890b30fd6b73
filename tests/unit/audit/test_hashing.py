"""HMAC of audit values: Vault's ``hmac-sha256:<hex>`` over the UTF-8 value."""

from __future__ import annotations

import hashlib
import hmac

from pyvault.audit.hashing import Salt, hash_structure, identity


def test_hmac_is_vaults_format() -> None:
    salt = Salt(b"k" * 32)
    expected = hmac.new(b"k" * 32, b"hunter2", hashlib.sha256).hexdigest()
    assert salt.hmac("hunter2") == "hmac-sha256:" + expected
    assert salt.matches("hunter2", salt.hmac("hunter2"))
    assert not salt.matches("hunter3", salt.hmac("hunter2"))
    assert "k" * 32 not in repr(salt)


def test_structure_hashes_strings_only() -> None:
    salt = Salt(b"s" * 32)
    value = {"a": "x", "n": 3, "b": True, "z": None, "l": ["y", 1], "m": {"k": "v"}}
    hashed = hash_structure(value, salt.hmac)
    assert hashed == {"a": salt.hmac("x"), "n": 3, "b": True, "z": None,
                      "l": [salt.hmac("y"), 1], "m": {"k": salt.hmac("v")}}
    assert hash_structure(value, identity) == value


def test_salts_differ_per_device() -> None:
    assert Salt(b"a" * 32).hmac("v") != Salt(b"b" * 32).hmac("v")
