"""Seal migration Shamir → PKCS#11 → Shamir on a real server (SQLite, SoftHSM2) with
the bao CLI's ``operator unseal -migrate``, as an operator would do it: change the
config, restart, unseal with -migrate and the shares already held."""

from __future__ import annotations

import json

import pytest

from tests.integration.server import PyvaultServer, call
from tests.integration.test_sqlite_ceremony import bao
from tests.softhsm import SoftHSMToken, token

SECRET = "launch-code-4c1d"

__all__ = ["token"]  # the fixture


def configured(server: PyvaultServer, seal: str = "") -> str:
    db = server.workdir / "vault.db"
    path = server.write_config(f'storage "sqlite" {{\n  path = "{db}"\n}}\n' + seal)
    return f"-config={path}"


def disabled(block: str) -> str:
    return block.replace("{\n", '{\n  disabled = "true"\n', 1)


def status(server: PyvaultServer) -> dict[str, object]:
    shown = bao(server, "status", "-format=json")
    assert shown.returncode in (0, 2), shown.stderr  # 2: sealed
    result: dict[str, object] = json.loads(shown.stdout)
    return result


def unseal(server: PyvaultServer, shares: list[str], *flags: str) -> None:
    for share in shares:
        done = bao(server, "operator", "unseal", *flags, "-format=json", share)
        assert done.returncode == 0, done.stderr
    assert status(server)["sealed"] is False


def read_secret(server: PyvaultServer, root: str) -> object:
    answer = call(server.addr, "GET", "kv/app", token=root)
    assert answer.status == 200, answer.body
    return answer.body["data"]


def test_shamir_to_hsm_and_back(server: PyvaultServer, token: SoftHSMToken) -> None:
    server.start(configured(server))
    init = bao(server, "operator", "init", "-key-shares=3", "-key-threshold=2", "-format=json")
    assert init.returncode == 0, init.stderr
    answer = json.loads(init.stdout)
    shares, root = answer["unseal_keys_b64"], answer["root_token"]
    unseal(server, shares[:2])
    assert call(server.addr, "POST", "sys/mounts/kv", {"type": "kv"}, token=root).status == 204
    assert call(server.addr, "PUT", "kv/app", {"code": SECRET}, token=root).status == 204
    server.stop()

    # Shamir → PKCS#11: add the seal block; the server waits for the operators.
    server.start(configured(server, token.seal_block()))
    shown = status(server)
    assert (shown["type"], shown["sealed"], shown["migration"], shown["recovery_seal"]) == (
        "pkcs11", True, True, True)
    assert (shown["t"], shown["n"]) == (2, 3)
    plain = bao(server, "operator", "unseal", shares[0])
    assert plain.returncode == 2
    assert "migrate option not provided and seal migration is pending" in plain.stderr
    unseal(server, shares[:2], "-migrate")
    assert status(server)["migration"] is False
    assert read_secret(server, root) == {"code": SECRET}

    # Restart: the HSM unseals it; the old unseal shares are recovery shares now.
    server.stop()
    server.start(configured(server, token.seal_block()))
    assert status(server)["sealed"] is False
    assert bao(server, "operator", "seal", token=root).returncode == 0
    unseal(server, shares[1:])
    assert read_secret(server, root) == {"code": SECRET}
    server.stop()

    # Dropping the seal block without marking it disabled is refused at start.
    with pytest.raises(RuntimeError, match="server exited"):  # exits at once, code 1
        server.start(configured(server))
    assert 'cannot seal migrate from "pkcs11" to Shamir' in server.log_tail()
    server.stop()

    # PKCS#11 → Shamir: the block marked disabled; the recovery shares migrate.
    server.start(configured(server, disabled(token.seal_block())))
    shown = status(server)
    assert (shown["type"], shown["sealed"], shown["migration"]) == ("shamir", True, True)
    unseal(server, shares[:2], "-migrate")
    assert read_secret(server, root) == {"code": SECRET}
    server.stop()

    # No seal block at all: a Shamir vault the same shares unseal.
    server.start(configured(server))
    shown = status(server)
    assert (shown["type"], shown["sealed"], shown["migration"]) == ("shamir", True, False)
    unseal(server, [shares[2], shares[0]])
    assert read_secret(server, root) == {"code": SECRET}
    assert token.pin not in server.log_tail()
