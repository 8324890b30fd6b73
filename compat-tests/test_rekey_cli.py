"""Rekey through the bao CLI (OpenBao 2.7.2), against both servers: new shares
replace the old ones the moment the rekey completes (or, with -verify, once a
quorum of the new shares has been handed back)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from harness import ServerProcess

WRONG_KEY = "unable to retrieve stored keys: invalid key: failed to decrypt keys from storage"


def ok(result: subprocess.CompletedProcess[str], code: int = 0) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    return result.stdout


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(ok(result))
    return answer


def prepared(server: ServerProcess) -> list[str]:
    init = as_json(server.bao("operator", "init", "-key-shares=3", "-key-threshold=2",
                              "-format=json"))
    server.token = init["root_token"]
    for key in init["unseal_keys_b64"][:2]:
        ok(server.bao("operator", "unseal", key))
    keys: list[str] = init["unseal_keys_b64"]
    return keys


def reseal_and_prove(server: ServerProcess, old: list[str], new: list[str]) -> None:
    """Old shares are refused; the new ones open the vault."""
    ok(server.bao("operator", "seal", token=server.token))
    ok(server.bao("operator", "unseal", old[0]))
    refused = server.bao("operator", "unseal", old[1])
    assert refused.returncode == 2 and WRONG_KEY in refused.stderr, refused.stderr
    for key in new[:2]:
        ok(server.bao("operator", "unseal", key))
    assert server.bao("status").returncode == 0


def test_cli_rekey_then_only_the_new_shares_unseal(fresh_server: ServerProcess) -> None:
    old = prepared(fresh_server)
    started = as_json(fresh_server.bao("operator", "rekey", "-init", "-key-shares=3",
                                       "-key-threshold=2", "-format=json"))
    assert (started["started"], started["t"], started["n"], started["required"]) == (
        True, 2, 3, 2)
    nonce = started["nonce"]
    status = ok(fresh_server.bao("operator", "rekey", "-status"))
    assert "Progress                 0/2" in status and nonce in status
    step = as_json(fresh_server.bao("operator", "rekey", f"-nonce={nonce}", "-format=json",
                                    old[0]))
    assert step["progress"] == 1
    done = as_json(fresh_server.bao("operator", "rekey", f"-nonce={nonce}", "-format=json",
                                    old[1]))
    assert done["complete"] is True and done["verification_required"] is False
    new = done["keys_base64"]
    assert len(new) == 3 and len(set(new) & set(old)) == 0
    assert not ok(fresh_server.bao("operator", "rekey", "-status")).count("true")
    reseal_and_prove(fresh_server, old, new)


def test_cli_rekey_with_verification(fresh_server: ServerProcess) -> None:
    old = prepared(fresh_server)
    started = as_json(fresh_server.bao("operator", "rekey", "-init", "-key-shares=2",
                                       "-key-threshold=2", "-verify", "-format=json"))
    assert started["verification_required"] is True
    nonce = started["nonce"]
    for key in old[:2]:
        done = as_json(fresh_server.bao("operator", "rekey", f"-nonce={nonce}", "-format=json",
                                        key))
    assert done["complete"] is True and done["verification_required"] is True
    new, verify_nonce = done["keys_base64"], done["verification_nonce"]
    progress = as_json(fresh_server.bao("operator", "rekey", "-verify", "-status",
                                        "-format=json"))
    assert progress == {"nonce": verify_nonce, "started": True, "t": 2, "n": 2, "progress": 0}
    again = fresh_server.bao("operator", "rekey", f"-nonce={nonce}", old[0])
    assert again.returncode == 2
    assert "rekey operation already finished; verification must be performed" in again.stderr
    ok(fresh_server.bao("operator", "rekey", "-verify", f"-nonce={verify_nonce}", new[0]))
    out = ok(fresh_server.bao("operator", "rekey", "-verify", f"-nonce={verify_nonce}", new[1]))
    assert "Rekey verification successful" in out, out
    reseal_and_prove(fresh_server, old, new)


def test_cli_rekey_cancel_with_a_token(fresh_server: ServerProcess) -> None:
    """The bao CLI never sends the nonce on -cancel; with a token both servers accept it
    (pyvault: a sudo token stands in for the nonce)."""
    prepared(fresh_server)
    ok(fresh_server.bao("operator", "rekey", "-init", "-key-shares=1", "-key-threshold=1"))
    out = ok(fresh_server.bao("operator", "rekey", "-cancel", token=fresh_server.token))
    assert "Success! Canceled rekeying" in out
    status = as_json(fresh_server.bao("operator", "rekey", "-status", "-format=json"))
    assert (status["started"], status["nonce"]) == (False, "")
