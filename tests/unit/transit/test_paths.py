"""The transit paths driven directly: lifecycle, batches, caching, rotation, backups."""

from __future__ import annotations

import base64

import pytest

from pyvault.logical.operation import Operation
from tests.unit.transit.support import Transit

PT = base64.b64encode(b"plaintext").decode()
U = Operation.UPDATE


async def test_create_read_rotate_delete() -> None:
    t = Transit()
    created = await t.write("keys/k", {"exportable": True})
    assert created["keys"] == {"1": 1_700_000_000} and created["type"] == "aes256-gcm96"
    t.clock.advance(10)
    rotated = await t.write("keys/k/rotate")
    assert rotated["latest_version"] == 2 and rotated["keys"]["2"] == 1_700_000_010
    assert await t.error(Operation.DELETE, "keys/k") == (
        400, ["error deleting policy k: deletion is not allowed for this key"])
    await t.write("keys/k/config", {"deletion_allowed": True})
    await t.call(Operation.DELETE, "keys/k")
    assert await t.error(Operation.READ, "keys/k") == (404, [])


async def test_key_is_loaded_once_then_cached() -> None:
    t = Transit()
    await t.write("keys/k")
    t.backend = t.fresh_backend()
    t.physical.gets.clear()
    for _ in range(3):
        await t.write("encrypt/k", {"plaintext": PT})
    assert t.physical.gets == ["logical/transit-uuid/config/cache",
                               "logical/transit-uuid/policy/k"]


async def test_batch_is_one_storage_read_and_reports_items() -> None:
    t = Transit()
    await t.write("keys/k")
    t.backend = t.fresh_backend()
    t.physical.gets.clear()
    response = await t.call(U, "encrypt/k", {"batch_input": [
        {"plaintext": PT, "reference": "a"}, {"plaintext": "@@"}]})
    assert response is not None and response.status == 400 and response.data is not None
    results = response.data["batch_results"]
    assert results[1] == {"error": "illegal base64 data at input byte 0", "reference": ""}
    assert results[0]["reference"] == "a"
    assert len([g for g in t.physical.gets if "policy/" in g]) == 1
    partial = await t.call(U, "encrypt/k", {"batch_input": [{"plaintext": PT},
                                                            {"plaintext": "@@"}],
                                            "partial_failure_response_code": 207})
    assert partial is not None and partial.status == 207


async def test_auto_rotation_happens_when_due() -> None:
    t = Transit()
    await t.write("keys/k", {"auto_rotate_period": "1h"})
    t.clock.advance(3599)
    await t.write("encrypt/k", {"plaintext": PT})
    assert (await t.read("keys/k"))["latest_version"] == 1
    t.clock.advance(1)
    assert (await t.write("encrypt/k", {"plaintext": PT}))["key_version"] == 2


async def test_trim_drops_old_versions() -> None:
    t = Transit()
    await t.write("keys/k")
    old = (await t.write("encrypt/k", {"plaintext": PT}))["ciphertext"]
    await t.write("keys/k/rotate")
    await t.write("keys/k/config", {"min_decryption_version": 2, "min_encryption_version": 2})
    trimmed = await t.write("keys/k/trim", {"min_available_version": 2})
    assert trimmed["min_available_version"] == 2 and list(trimmed["keys"]) == ["2"]
    assert await t.error(U, "decrypt/k", {"ciphertext": old}) == (
        400, ["ciphertext or signature version is disallowed by policy (too old)"])
    assert await t.error(U, "keys/k/config", {"min_decryption_version": 1}) == (
        400, ["min decryption version should not be less then min available version"])


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "ed25519", "rsa-2048"])
async def test_sign_verify_and_backup_round_trip(key_type: str) -> None:
    t = Transit()
    await t.write("keys/s", {"type": key_type, "exportable": True,
                             "allow_plaintext_backup": True})
    signature = (await t.write("sign/s", {"input": PT}))["signature"]
    backup = (await t.read("backup/s"))["backup"]
    other = Transit()
    await other.call(U, "restore/copy", {"backup": backup})
    assert await other.write("verify/copy", {"input": PT, "signature": signature}) == {
        "valid": True}
    assert (await other.read("keys/copy"))["restore_info"]["version"] == 1


async def test_restore_refuses_garbage_with_400() -> None:
    t = Transit()
    for backup in ("@@", base64.b64encode(b"{}").decode(), base64.b64encode(b"[1]").decode()):
        status, _ = await t.error(U, "restore", {"backup": backup})
        assert status == 400


async def test_datakey_and_random_use_the_injected_source() -> None:
    t = Transit()
    await t.write("keys/k")
    key = await t.write("datakey/plaintext/k", {"bits": 128})
    assert len(base64.b64decode(key["plaintext"])) == 16
    opened = await t.write("decrypt/k", {"ciphertext": key["ciphertext"]})
    assert opened["plaintext"] == key["plaintext"]
    first = await Transit().write("random", {"bytes": 8, "format": "hex"})
    assert first == await Transit().write("random/8", {"format": "hex"})


async def test_hmac_key_type_defaults_to_32_bytes() -> None:
    t = Transit()
    created = await t.write("keys/h", {"type": "hmac"})
    assert created["key_size"] == 32 and "keys" not in created


async def test_import_rejects_bad_input_before_touching_the_wrapping_key() -> None:
    t = Transit()
    assert await t.error(U, "keys/i/import", {"ciphertext": "AAAA", "hash_function": "MD5"}) \
        == (400, ["unknown hash function: MD5"])
    assert await t.error(U, "keys/i/import", {"ciphertext": "AAAA"}) == (
        400, ["1 error occurred:\n\t* provided ciphertext is too short\n\n"])
    await t.write("keys/native")
    assert await t.error(U, "keys/native/import_version", {"ciphertext": "AAAA"}) == (
        400, ["1 error occurred:\n\t* the import_version endpoint can only be used with an "
              "imported key\n\n"])


async def test_derived_ed25519_shows_the_public_key_of_a_context() -> None:
    t = Transit()
    await t.write("keys/ed", {"type": "ed25519", "derived": True})
    assert (await t.read("keys/ed"))["keys"]["1"]["public_key"] == ""
    response = await t.call(Operation.READ, "keys/ed", {"context": "YQ=="})
    assert response is not None and response.data is not None
    public = response.data["keys"]["1"]["public_key"]
    signed = await t.write("sign/ed", {"input": PT, "context": "YQ=="})
    from cryptography.hazmat.primitives.asymmetric import ed25519

    ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(public)).verify(
        base64.b64decode(signed["signature"].split(":")[2]), b"plaintext")


async def test_rewrap_to_a_chosen_version_and_cache_eviction() -> None:
    t = Transit()
    await t.write("keys/k")
    ct = (await t.write("encrypt/k", {"plaintext": PT}))["ciphertext"]
    await t.write("keys/k/rotate")
    await t.write("keys/k/rotate")
    rewrapped = await t.write("rewrap/k", {"ciphertext": ct, "key_version": 2})
    assert rewrapped["ciphertext"].startswith("vault:v2:")
    assert await t.write("cache-config", {"size": 10}) == {"size": 10}
    for index in range(12):
        await t.write(f"keys/c{index}")
    t.physical.gets.clear()
    await t.write("encrypt/c0", {"plaintext": PT})  # evicted: read again from storage
    assert "logical/transit-uuid/policy/c0" in t.physical.gets


async def test_restore_refuses_broken_key_material() -> None:
    import json

    t = Transit()
    await t.write("keys/s", {"type": "ecdsa-p256", "exportable": True,
                             "allow_plaintext_backup": True})
    record = json.loads(base64.b64decode((await t.read("backup/s"))["backup"]))
    record["policy"]["keys"]["1"]["ec_d"] = "not a number"
    broken = base64.b64encode(json.dumps(record).encode()).decode()
    assert await t.error(U, "restore/broken", {"backup": broken}) == (
        400, ["1 error occurred:\n\t* backup holds invalid key material\n\n"])
