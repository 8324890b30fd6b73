"""Must-show of issue 10 with SoftHSM2 and SQLite, on a real server process: start,
init (recovery keys), restart — unsealed with no operator. The SQLite file and the
HSM are needed together: without the HSM token the server stays sealed and the
data stays unreadable, recovery keys or not."""

from __future__ import annotations

import json
import time

from tests.integration.server import PyvaultServer, call
from tests.integration.test_sqlite_ceremony import bao
from tests.softhsm import SoftHSMToken, new_token, token

SECRET = "launch-code-4c1d"

__all__ = ["token"]  # the fixture


def configured(server: PyvaultServer, token: SoftHSMToken) -> str:
    db = server.workdir / "vault.db"
    path = server.write_config(f'storage "sqlite" {{\n  path = "{db}"\n}}\n'
                               + token.seal_block())
    return f"-config={path}"


def test_hsm_unseals_on_restart_and_both_halves_are_needed(
    server: PyvaultServer, token: SoftHSMToken
) -> None:
    config = configured(server, token)
    server.start(config)
    status = call(server.addr, "GET", "sys/seal-status").body
    assert (status["type"], status["initialized"], status["recovery_seal"]) == (
        "pkcs11", False, True)

    init = bao(server, "operator", "init", "-recovery-shares=3", "-recovery-threshold=2",
               "-format=json")
    assert init.returncode == 0, init.stderr
    answer = json.loads(init.stdout)
    recovery, root = answer["recovery_keys_b64"], answer["root_token"]
    assert len(recovery) == 3 and answer["unseal_keys_b64"] == []
    status = call(server.addr, "GET", "sys/seal-status").body
    assert (status["sealed"], status["t"], status["n"]) == (False, 2, 3)

    mounted = call(server.addr, "POST", "sys/mounts/kv", {"type": "kv"}, token=root)
    assert mounted.status == 204
    assert call(server.addr, "PUT", "kv/app", {"code": SECRET}, token=root).status == 204

    # Restart: the HSM opens the vault; no operator, no key typed.
    server.stop()
    server.start(config)
    assert call(server.addr, "GET", "sys/seal-status").body["sealed"] is False
    read = call(server.addr, "GET", "kv/app", token=root)
    assert read.status == 200 and read.body["data"] == {"code": SECRET}
    status_cli = bao(server, "status", "-format=json")
    assert status_cli.returncode == 0
    assert json.loads(status_cli.stdout)["recovery_seal"] is True

    # The SQLite file alone holds nothing readable.
    server.stop()
    stored = b"".join(p.read_bytes() for p in server.workdir.glob("vault.db*"))
    assert SECRET.encode() not in stored and root.encode() not in stored

    # Without the HSM token: sealed, and the recovery keys cannot open it either.
    token.remove()
    server.start(config)
    assert call(server.addr, "GET", "sys/seal-status").body["sealed"] is True
    assert call(server.addr, "GET", "kv/app", token=root).status == 503
    assert call(server.addr, "GET", "sys/health").status == 503
    assert call(server.addr, "PUT", "sys/unseal", {"key": recovery[0]}).status == 200
    refused = call(server.addr, "PUT", "sys/unseal", {"key": recovery[1]})
    assert refused.status == 500 and "recovery key" in refused.body["errors"][0]
    assert call(server.addr, "GET", "sys/seal-status").body["sealed"] is True
    assert "auto-unseal failed" in server.log_tail()
    assert token.pin not in server.log_tail()

    # The HSM plugged back in: the running server unseals itself, no operator.
    token.restore()
    deadline = time.monotonic() + 30
    while call(server.addr, "GET", "sys/seal-status").body["sealed"]:
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.2)
    assert call(server.addr, "GET", "kv/app", token=root).body["data"] == {"code": SECRET}
    server.stop()

    # A new token with the same label and PIN is another HSM: its key opens nothing.
    token.remove()
    fresh = new_token(token.tokens.parent / "again", label=token.label, pin=token.pin)
    for item in fresh.tokens.iterdir():
        item.rename(token.tokens / item.name)
    server.start(config)
    assert call(server.addr, "GET", "sys/seal-status").body["sealed"] is True
    assert call(server.addr, "GET", "kv/app", token=root).status == 503


def test_bao_cli_ceremonies_with_recovery_keys(
    server: PyvaultServer, token: SoftHSMToken
) -> None:
    """The bao CLI's recovery flows: rekey -target=recovery, generate-root, and
    unseal with a recovery key after operator seal."""
    server.start(configured(server, token))
    init = bao(server, "operator", "init", "-recovery-shares=2", "-recovery-threshold=2",
               "-format=json")
    answer = json.loads(init.stdout)
    old, root = answer["recovery_keys_b64"], answer["root_token"]

    begun = bao(server, "operator", "rekey", "-target=recovery", "-init", "-key-shares=1",
                "-key-threshold=1", "-format=json", token=root)
    nonce = json.loads(begun.stdout)["nonce"]
    assert bao(server, "operator", "rekey", "-target=recovery", f"-nonce={nonce}", old[0],
               token=root).returncode == 0
    done = bao(server, "operator", "rekey", "-target=recovery", f"-nonce={nonce}",
               "-format=json", old[1], token=root)
    assert done.returncode == 0, done.stderr
    (new,) = json.loads(done.stdout)["keys_base64"]

    attempt = json.loads(bao(server, "operator", "generate-root", "-init", "-format=json",
                             token=root).stdout)
    assert attempt["required"] == 1
    update = bao(server, "operator", "generate-root", f"-nonce={attempt['nonce']}",
                 "-format=json", new, token=root)
    encoded = json.loads(update.stdout)["encoded_token"]
    decoded = bao(server, "operator", "generate-root", f"-decode={encoded}",
                  f"-otp={attempt['otp']}", "-format=json", token=root)
    assert decoded.returncode == 0, decoded.stderr
    minted = json.loads(decoded.stdout)["token"]
    assert call(server.addr, "GET", "auth/token/lookup-self", token=minted).status == 200

    assert bao(server, "operator", "seal", token=root).returncode == 0
    refused = bao(server, "operator", "unseal", old[0])
    assert refused.returncode == 2 and "recovery key does not match" in refused.stderr
    assert bao(server, "operator", "unseal", new).returncode == 0
    assert call(server.addr, "GET", "sys/seal-status").body["sealed"] is False
