"""The init/unseal/seal ceremony through the bao CLI (OpenBao 2.7.2), against both servers.

`bao status` exits 0 when unsealed and 2 when sealed; API errors exit 2 as well.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from typing import Any

from harness import ServerProcess

UNSEAL_KEY_LINE = re.compile(r"^Unseal Key (\d+): (\S+)$", re.MULTILINE)
ROOT_TOKEN_LINE = re.compile(r"^Initial Root Token: (\S+)$", re.MULTILINE)


def ok(result: subprocess.CompletedProcess[str], code: int = 0) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    return result.stdout


def status_json(server: ServerProcess, code: int) -> dict[str, Any]:
    status: dict[str, Any] = json.loads(ok(server.bao("status", "-format=json"), code))
    return status


def test_cli_init_unseal_seal(fresh_server: ServerProcess) -> None:
    before = status_json(fresh_server, 2)
    assert (before["initialized"], before["sealed"], before["type"]) == (False, True, "shamir")

    out = ok(fresh_server.bao("operator", "init", "-key-shares=5", "-key-threshold=3"))
    found = UNSEAL_KEY_LINE.findall(out)
    assert [int(n) for n, _ in found] == [1, 2, 3, 4, 5]
    keys = [key for _, key in found]
    for key in keys:  # the text output prints shares in base64
        assert len(base64.b64decode(key, validate=True)) == 33
    root_match = ROOT_TOKEN_LINE.search(out)
    assert root_match is not None, out
    root = root_match.group(1)
    assert "initialized with 5 key shares and a key threshold of 3" in out

    assert fresh_server.bao("status").returncode == 2
    status = status_json(fresh_server, 2)
    expected = {"initialized": True, "sealed": True, "t": 3, "n": 5, "progress": 0}
    assert {k: status[k] for k in expected} == expected
    assert status["type"] == "shamir"

    first = ok(fresh_server.bao("operator", "unseal", keys[0]))
    assert re.search(r"^Unseal Progress\s+1/3$", first, re.MULTILINE), first
    second = json.loads(ok(fresh_server.bao("operator", "unseal", "-format=json", keys[1])))
    assert (second["sealed"], second["progress"]) == (True, 2)
    ok(fresh_server.bao("operator", "unseal", keys[2]))

    assert fresh_server.bao("status").returncode == 0
    status = status_json(fresh_server, 0)
    expected = {"initialized": True, "sealed": False, "t": 3, "n": 5, "progress": 0}
    assert {k: status[k] for k in expected} == expected

    for token in ("not-a-real-token", None):
        denied = fresh_server.bao("operator", "seal", token=token)
        assert denied.returncode == 2
        assert "Code: 403" in denied.stderr
        assert "* permission denied" in denied.stderr
    assert fresh_server.bao("status").returncode == 0

    sealed = ok(fresh_server.bao("operator", "seal", token=root))
    assert sealed.strip() == "Success! Vault is sealed."
    assert fresh_server.bao("status").returncode == 2
    assert status_json(fresh_server, 2)["sealed"] is True

    again = fresh_server.bao("operator", "init", "-key-shares=5", "-key-threshold=3")
    assert again.returncode == 2
    assert "* Vault is already initialized" in again.stderr


def test_cli_init_json_and_hex_shares(fresh_server: ServerProcess) -> None:
    out = ok(
        fresh_server.bao("operator", "init", "-key-shares=5", "-key-threshold=3", "-format=json")
    )
    init = json.loads(out)
    assert (init["unseal_shares"], init["unseal_threshold"]) == (5, 3)
    assert len(init["unseal_keys_hex"]) == len(init["unseal_keys_b64"]) == 5
    for hex_key, b64_key in zip(init["unseal_keys_hex"], init["unseal_keys_b64"], strict=True):
        assert re.fullmatch(r"[0-9a-f]{66}", hex_key)
        assert base64.b64decode(b64_key) == bytes.fromhex(hex_key)
    assert isinstance(init["root_token"], str)
    assert init["root_token"]

    shares = [init["unseal_keys_hex"][1], init["unseal_keys_b64"][3], init["unseal_keys_hex"][4]]
    for share in shares:
        ok(fresh_server.bao("operator", "unseal", share))
    assert status_json(fresh_server, 0)["sealed"] is False
