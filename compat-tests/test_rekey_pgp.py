"""PGP-encrypted shares and root tokens, against both servers: init, rekey (with a
backup) and generate-root with operators' public keys; GnuPG decrypts what came back
and the decrypted values work."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import ServerProcess

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="needs GnuPG (gpg)")


class Keyring:
    """A throwaway GnuPG home with one key pair per operator (cv25519, fast to make)."""

    def __init__(self, home: Path, names: list[str]) -> None:
        self.home = home
        home.mkdir(mode=0o700)
        self.public: dict[str, Path] = {}
        for name in names:
            self.gpg("--passphrase", "", "--quick-gen-key", f"{name} <{name}@example.test>",
                     "default", "default", "never")
            path = home / f"{name}.pub"
            path.write_bytes(self.gpg("--export", name).stdout)
            self.public[name] = path

    def gpg(self, *args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        env = dict(os.environ, GNUPGHOME=str(self.home))
        result = subprocess.run(["gpg", "--batch", "--quiet", *args], input=data, env=env,
                                capture_output=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        return result

    def decrypt_b64(self, encoded: str) -> str:
        return self.gpg("--decrypt", data=base64.b64decode(encoded)).stdout.decode()

    def b64(self, name: str) -> str:
        return base64.b64encode(self.public[name].read_bytes()).decode()

    def fingerprint(self, name: str) -> str:
        out = self.gpg("--with-colons", "--fingerprint", name).stdout.decode()
        return next(line.split(":")[9] for line in out.splitlines()
                    if line.startswith("fpr")).lower()


@pytest.fixture(scope="module")
def operators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keyring]:
    yield Keyring(tmp_path_factory.mktemp("gpg") / "home", ["alice", "bob"])


def cli_json(server: ServerProcess, *args: str, token: str | None = None) -> dict[str, Any]:
    result = server.bao(*args, token=token)
    assert result.returncode == 0, (result.stdout, result.stderr)
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def test_cli_init_rekey_generate_root_with_pgp(fresh_server: ServerProcess,
                                                operators: Keyring) -> None:
    keys = f"{operators.public['alice']},{operators.public['bob']}"
    init = cli_json(fresh_server, "operator", "init", "-key-shares=2", "-key-threshold=2",
                    f"-pgp-keys={keys}", f"-root-token-pgp-key={operators.public['alice']}",
                    "-format=json")
    shares = [operators.decrypt_b64(k) for k in init["unseal_keys_b64"]]
    assert all(len(share) == 66 for share in shares)  # the hex text of each share
    root = operators.decrypt_b64(init["root_token"])
    for share in shares:
        subprocess_ok(fresh_server.bao("operator", "unseal", share))
    lookup = fresh_server.request("GET", "/v1/auth/token/lookup-self", token=root)
    assert lookup.status_code == 200 and lookup.json()["data"]["policies"] == ["root"]

    started = cli_json(fresh_server, "operator", "rekey", "-init", "-key-shares=2",
                       "-key-threshold=2", f"-pgp-keys={keys}", "-backup", "-format=json")
    fingerprints = [operators.fingerprint("alice"), operators.fingerprint("bob")]
    assert started["pgp_fingerprints"] == fingerprints and started["backup"] is True
    nonce = started["nonce"]
    cli_json(fresh_server, "operator", "rekey", f"-nonce={nonce}", "-format=json", shares[0])
    done = cli_json(fresh_server, "operator", "rekey", f"-nonce={nonce}", "-format=json",
                    shares[1])
    assert done["pgp_fingerprints"] == fingerprints and done["backup"] is True
    new = [operators.decrypt_b64(k) for k in done["keys_base64"]]

    backup = fresh_server.request("GET", "/v1/sys/rekey/backup", token=root).json()["data"]
    assert backup["nonce"] == nonce
    assert backup["keys"] == {fp: [k] for fp, k in zip(fingerprints, done["keys"], strict=True)}
    assert backup["keys_base64"] == {
        fp: [k] for fp, k in zip(fingerprints, done["keys_base64"], strict=True)}
    assert fresh_server.request("DELETE", "/v1/sys/rekey/backup", token=root).status_code == 204
    gone = fresh_server.request("GET", "/v1/sys/rekey/backup", token=root)
    assert (gone.status_code, gone.json()) == (400, {"errors": ["no backed-up keys found"]})

    subprocess_ok(fresh_server.bao("operator", "seal", token=root))
    subprocess_ok(fresh_server.bao("operator", "unseal", shares[0]))
    refused = fresh_server.bao("operator", "unseal", shares[1])
    assert refused.returncode == 2 and "unable to retrieve stored keys" in refused.stderr
    for share in new:
        subprocess_ok(fresh_server.bao("operator", "unseal", share))

    attempt = cli_json(fresh_server, "operator", "generate-root", "-init", "-format=json",
                       f"-pgp-key={operators.public['bob']}", token=root)
    assert attempt["pgp_fingerprint"] == fingerprints[1] and attempt["otp"] == ""
    for share in new:
        result = cli_json(fresh_server, "operator", "generate-root", "-format=json",
                          f"-nonce={attempt['nonce']}", share, token=root)
    assert result["complete"] is True
    minted = operators.decrypt_b64(result["encoded_token"])
    lookup = fresh_server.request("GET", "/v1/auth/token/lookup-self", token=minted)
    assert lookup.status_code == 200 and lookup.json()["data"]["policies"] == ["root"]


def subprocess_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, (result.stdout, result.stderr)


def test_bad_pgp_keys(fresh_server: ServerProcess, operators: Keyring) -> None:
    resp = fresh_server.request("PUT", "/v1/sys/init", token=None, json={
        "secret_shares": 2, "secret_threshold": 2, "pgp_keys": ["x", operators.b64("bob")]})
    assert (resp.status_code, resp.json()) == (400, {"errors": [
        "invalid seal configuration: error decoding given PGP key: illegal base64 data at "
        "input byte 0"]})
    assert fresh_server.client().sys.is_initialized() is False
    fresh_server.initialize(shares=2, threshold=2)
    fresh_server.unseal()
    resp = fresh_server.request("PUT", "/v1/sys/generate-root/attempt", token=None,
                                json={"pgp_key": "x"})
    assert (resp.status_code, resp.json()) == (400, {"errors": [
        "error parsing PGP key: error decoding given PGP key: illegal base64 data at input "
        "byte 0"]})
    resp = fresh_server.request("PUT", "/v1/sys/rekey/init", token=None, json={
        "secret_shares": 2, "secret_threshold": 2, "pgp_keys": ["x", operators.b64("bob")]})
    # OpenBao answers 500 for this caller error; pyvault 400.
    assert resp.status_code == (500 if fresh_server.kind == "reference" else 400)
    assert resp.json() == {"errors": [
        "invalid rekey seal configuration: error decoding given PGP key: illegal base64 data "
        "at input byte 0"]}
