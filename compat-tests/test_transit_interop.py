"""Keys and ciphertexts move between pyvault and the reference (OpenBao 2.7.2) in both
directions through transit backup/restore: every key type that can be backed up,
also derived, convergent and rotated keys. Needs both servers, so it starts one of each.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from harness import ServerProcess, selected_kinds

PT = base64.b64encode(b"interop plaintext").decode()
CTX = base64.b64encode(b"tenant-7").decode()
SIGNING = {"ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "ed25519", "rsa-2048", "rsa-4096"}
KEYS: list[tuple[str, dict[str, Any]]] = [
    ("aes256-gcm96", {}), ("aes128-gcm96", {}), ("chacha20-poly1305", {}),
    ("aes256-gcm96", {"derived": True}),
    ("aes256-gcm96", {"derived": True, "convergent_encryption": True}),
    ("chacha20-poly1305", {"derived": True, "convergent_encryption": True}),
    ("rsa-2048", {}), ("rsa-4096", {}), ("ecdsa-p256", {}), ("ecdsa-p384", {}),
    ("ecdsa-p521", {}), ("ed25519", {}), ("ed25519", {"derived": True}),
    ("hmac", {"key_size": 48}),
]
EXPORTS = ("encryption-key", "signing-key", "hmac-key", "public-key")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServerProcess]]:
    if len(selected_kinds()) != 2:
        pytest.skip("interop needs both pyvault and the reference")
    started: dict[str, ServerProcess] = {}
    try:
        for kind in ("pyvault", "reference"):
            server = ServerProcess(kind=kind, workdir=tmp_path_factory.mktemp(f"{kind}-ix"),
                                   dev=True)
            server.start()
            started[kind] = server
            server.client().sys.enable_secrets_engine("transit", path="transit")
        yield started
    finally:
        for server in started.values():
            server.stop()


def call(server: ServerProcess, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    resp = server.request(method, f"/v1/transit/{path}", json=body)
    return resp.status_code, (resp.json() if resp.content else None)


def with_context(opts: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "context": CTX} if opts.get("derived") else body


@pytest.mark.parametrize("direction", ["reference->pyvault", "pyvault->reference"])
@pytest.mark.parametrize(("key_type", "opts"), KEYS,
                         ids=[f"{t}-{'-'.join(o) or 'plain'}" for t, o in KEYS])
def test_backup_moves_keys(servers: dict[str, ServerProcess], direction: str, key_type: str,
                           opts: dict[str, Any]) -> None:
    source, target = (servers[k] for k in direction.split("->"))
    name = "-".join([direction.replace("->", "2"), key_type, *opts, "k"])
    created = call(source, "POST", f"keys/{name}", {"type": key_type, "exportable": True,
                                                    "allow_plaintext_backup": True, **opts})
    assert created[0] == 200, created
    assert call(source, "POST", f"keys/{name}/rotate")[0] == 200
    ciphertexts = []
    if key_type not in SIGNING - {"rsa-2048", "rsa-4096"} and key_type != "hmac":
        for version in (1, 2):
            body = with_context(opts, {"plaintext": PT, "key_version": version})
            ciphertexts.append(call(source, "POST", f"encrypt/{name}", body)[1]["data"][
                "ciphertext"])
    signatures = []
    if key_type in SIGNING:
        for version in (1, 2):
            body = with_context(opts, {"input": PT, "key_version": version})
            signatures.append(call(source, "POST", f"sign/{name}", body)[1]["data"][
                "signature"])
    mac = call(source, "POST", f"hmac/{name}", {"input": PT})[1]["data"]["hmac"]

    backup = call(source, "GET", f"backup/{name}")[1]["data"]["backup"]
    assert call(target, "POST", "restore", {"backup": backup}) == (204, None)

    for ciphertext in ciphertexts:
        opened = call(target, "POST", f"decrypt/{name}", with_context(opts, {
            "ciphertext": ciphertext}))
        assert opened[1]["data"]["plaintext"] == PT, opened
    if opts.get("convergent_encryption"):
        body = with_context(opts, {"plaintext": PT})
        assert call(source, "POST", f"encrypt/{name}", body)[1]["data"] == \
            call(target, "POST", f"encrypt/{name}", body)[1]["data"]
    for signature in signatures:
        body = with_context(opts, {"input": PT, "signature": signature})
        assert call(target, "POST", f"verify/{name}", body)[1]["data"] == {"valid": True}
    assert call(target, "POST", f"verify/{name}", {"input": PT, "hmac": mac})[1]["data"] == {
        "valid": True}
    # Made on the target, opened on the source: the key really is the same.
    if ciphertexts:
        body = with_context(opts, {"plaintext": PT})
        fresh = call(target, "POST", f"encrypt/{name}", body)[1]["data"]["ciphertext"]
        assert call(source, "POST", f"decrypt/{name}", with_context(opts, {
            "ciphertext": fresh}))[1]["data"]["plaintext"] == PT
    if signatures:
        fresh = call(target, "POST", f"sign/{name}", with_context(opts, {"input": PT}))
        body = with_context(opts, {"input": PT, "signature": fresh[1]["data"]["signature"]})
        assert call(source, "POST", f"verify/{name}", body)[1]["data"] == {"valid": True}

    before, after = (call(s, "GET", f"keys/{name}")[1]["data"] for s in (source, target))
    for ignored in ("soft_deleted", "backup_info", "restore_info"):
        before.pop(ignored, None)
        after.pop(ignored, None)
    assert before == after
    for kind in EXPORTS:
        theirs, ours = (call(s, "GET", f"export/{kind}/{name}") for s in (source, target))
        assert (theirs[1].get("data"), theirs[1].get("errors")) == \
            (ours[1].get("data"), ours[1].get("errors")), kind
        statuses = {source.kind: theirs[0], target.kind: ours[0]}
        # OpenBao answers public-key export of a symmetric key with a 500; pyvault a 400.
        assert statuses["pyvault"] == statuses["reference"] or (
            statuses["pyvault"], statuses["reference"]) == (400, 500)


def test_backup_json_is_the_same_shape(servers: dict[str, ServerProcess]) -> None:
    import json

    shapes = []
    for server in servers.values():
        call(server, "POST", "keys/shape", {"type": "ecdsa-p256", "exportable": True,
                                            "allow_plaintext_backup": True})
        backup = call(server, "GET", "backup/shape")[1]["data"]["backup"]
        record = json.loads(base64.b64decode(backup))
        record["policy"].pop("soft_deleted", None)
        shapes.append((sorted(record), sorted(record["policy"]),
                       sorted(record["policy"]["keys"]["1"]),
                       len(record["archived_keys"]["keys"])))
    assert shapes[0] == shapes[1]
