"""Rekey on SQLite with the bao CLI and real restarts: after the rekey only the new
shares unseal the restarted server; a restart mid-ceremony loses only the progress."""

from __future__ import annotations

import json

from tests.integration.server import PyvaultServer, call
from tests.integration.test_sqlite_ceremony import bao

WRONG_KEY = "unable to retrieve stored keys: invalid key: failed to decrypt keys from storage"


def started(server: PyvaultServer) -> tuple[str, list[str], str]:
    db = server.workdir / "vault.db"
    config = server.write_config(f'storage "sqlite" {{\n  path = "{db}"\n}}')
    server.start(f"-config={config}")
    init = bao(server, "operator", "init", "-key-shares=3", "-key-threshold=2", "-format=json")
    assert init.returncode == 0, init.stderr
    answer = json.loads(init.stdout)
    for key in answer["unseal_keys_b64"][:2]:
        assert bao(server, "operator", "unseal", key).returncode == 0
    return str(config), answer["unseal_keys_b64"], answer["root_token"]


def test_rekey_then_restart_unseals_only_with_new_shares(server: PyvaultServer) -> None:
    config, old, root = started(server)
    begun = bao(server, "operator", "rekey", "-init", "-key-shares=3", "-key-threshold=2",
                "-format=json")
    nonce = json.loads(begun.stdout)["nonce"]
    assert bao(server, "operator", "rekey", f"-nonce={nonce}", old[2]).returncode == 0
    done = bao(server, "operator", "rekey", f"-nonce={nonce}", "-format=json", old[0])
    assert done.returncode == 0, done.stderr
    new = json.loads(done.stdout)["keys_base64"]

    server.stop()
    server.start(f"-config={config}")
    assert bao(server, "operator", "unseal", old[0]).returncode == 0
    refused = bao(server, "operator", "unseal", old[1])
    assert refused.returncode == 2 and WRONG_KEY in refused.stderr
    for key in new[1:]:
        assert bao(server, "operator", "unseal", key).returncode == 0
    assert bao(server, "status").returncode == 0
    assert call(server.addr, "GET", "auth/token/lookup-self", token=root).status == 200
    server.stop()
    stored = b"".join(p.read_bytes() for p in server.workdir.glob("vault.db*"))
    for key in new:
        assert key.encode() not in stored


def test_restart_mid_rekey_loses_only_the_progress(server: PyvaultServer) -> None:
    config, old, _ = started(server)
    begun = bao(server, "operator", "rekey", "-init", "-key-shares=1", "-key-threshold=1",
                "-format=json")
    nonce = json.loads(begun.stdout)["nonce"]
    assert bao(server, "operator", "rekey", f"-nonce={nonce}", old[0]).returncode == 0
    server.stop()
    server.start(f"-config={config}")
    for key in old[1:]:
        assert bao(server, "operator", "unseal", key).returncode == 0
    status = call(server.addr, "GET", "sys/rekey/init").body
    assert (status["started"], status["progress"], status["required"]) == (False, 0, 2)


def test_bad_root_token_pgp_key_initialises_nothing(server: PyvaultServer) -> None:
    """OpenBao 2.7.2 initialises and then fails on a bad root_token_pgp_key, leaving a
    vault whose root token nobody got; pyvault checks every key first."""
    config = server.write_config('storage "inmem" {}')
    server.start(f"-config={config}")
    answer = call(server.addr, "PUT", "sys/init", {
        "secret_shares": 1, "secret_threshold": 1, "root_token_pgp_key": "x"})
    assert (answer.status, answer.body) == (400, {"errors": [
        "error decoding given PGP key: illegal base64 data at input byte 0"]})
    assert call(server.addr, "GET", "sys/init").body == {"initialized": False}


def test_listener_switches_close_the_unauthenticated_paths(server: PyvaultServer) -> None:
    """OpenBao's listener options: with them set, the unauthenticated rekey and
    generate-root paths answer 405 as OpenBao 2.7.2 does; unset (Vault) they work."""
    closed = server.port + 1 if server.port < 65535 else server.port - 1
    path = server.workdir / "two.hcl"
    path.write_text(
        'storage "inmem" {}\n'
        f'listener "tcp" {{\n  address = "127.0.0.1:{server.port}"\n  tls_disable = true\n}}\n'
        f'listener "tcp" {{\n  address = "127.0.0.1:{closed}"\n  tls_disable = true\n'
        "  disable_unauthed_rekey_endpoints = true\n"
        '  disable_unauthed_generate_root_endpoints = "true"\n}\n'
        "disable_mlock = true\n"
    )
    server.start(f"-config={path}")
    init = call(server.addr, "PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1})
    call(server.addr, "PUT", "sys/unseal", {"key": init.body["keys"][0]})
    other = f"http://127.0.0.1:{closed}"
    for method, route in (("GET", "sys/rekey/init"), ("PUT", "sys/rekey/update"),
                          ("GET", "sys/rekey/verify"), ("GET", "sys/generate-root/attempt"),
                          ("PUT", "sys/generate-root/update")):
        answer = call(other, method, route, {})
        assert (answer.status, answer.body) == (405, {"errors": ["unsupported operation"]})
        assert call(server.addr, method, route, {}).status != 405
