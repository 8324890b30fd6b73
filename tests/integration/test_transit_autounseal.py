"""seal "transit" on real server processes with SQLite: a pyvault dev server (and the
reference) holds the transit key; the sealed pyvault server unseals itself at every
start while the key holder answers, stays sealed while it does not, and renews its
token (a periodic token: the default policy plus the transit key's two paths)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.server import PyvaultServer, call, free_port

SEAL_POLICY = (
    'path "transit/encrypt/autounseal" { capabilities = ["update"] }\n'
    'path "transit/decrypt/autounseal" { capabilities = ["update"] }\n'
)


class Holder:
    """A dev server holding the transit key: pyvault, or the reference bao."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind, self.port = kind, free_port()
        self.addr = f"http://127.0.0.1:{self.port}"
        workdir.mkdir(parents=True, exist_ok=True)
        self._pyvault: PyvaultServer | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir = workdir

    def start(self) -> None:
        listen = f"-dev-listen-address=127.0.0.1:{self.port}"
        if self.kind == "pyvault":
            self._pyvault = PyvaultServer(self._workdir, port=self.port)
            self._pyvault.start("-dev", "-dev-root-token-id=root", listen)
            return
        beside = Path(sys.executable).parent / "bao"
        bao = str(beside) if beside.exists() else shutil.which("bao") or "bao"
        with (self._workdir / "holder.log").open("ab") as log:
            self._proc = subprocess.Popen(
                [bao, "server", "-dev", "-dev-root-token-id=root", listen],
                stdout=log, stderr=subprocess.STDOUT,
                env={"HOME": str(self._workdir), "PATH": "/usr/bin:/bin"},
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if call(self.addr, "GET", "sys/seal-status").status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("reference key holder did not start")

    def stop(self) -> None:
        if self._pyvault is not None:
            self._pyvault.stop()
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=15)
            self._proc = None

    def prepare(self) -> str:
        """Mount transit, make the key, and a periodic token limited to it."""
        assert call(self.addr, "POST", "sys/mounts/transit", {"type": "transit"},
                    token="root").status == 204
        assert call(self.addr, "POST", "transit/keys/autounseal", {}, token="root").status in (
            200, 204)
        assert call(self.addr, "PUT", "sys/policies/acl/autounseal", {"policy": SEAL_POLICY},
                    token="root").status == 204
        made = call(self.addr, "POST", "auth/token/create",
                    {"policies": ["autounseal"], "period": "1h"},
                    token="root")
        return str(made.body["auth"]["client_token"])

    def renewed(self, token: str) -> bool:
        looked = call(self.addr, "POST", "auth/token/lookup", {"token": token}, token="root")
        return bool(looked.body["data"].get("last_renewal_time"))


@pytest.fixture(params=["pyvault", "reference"])
def holder(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Holder]:
    made = Holder(request.param, tmp_path / "holder")
    made.start()
    yield made
    made.stop()


def test_transit_seal_unseals_each_start_while_the_holder_answers(
    server: PyvaultServer, holder: Holder
) -> None:
    seal_token = holder.prepare()
    db = server.workdir / "vault.db"
    config = server.write_config(
        f'storage "sqlite" {{\n  path = "{db}"\n}}\n'
        f'seal "transit" {{\n  address = "{holder.addr}"\n  token = "{seal_token}"\n'
        '  key_name = "autounseal"\n  mount_path = "transit/"\n}\n'
    )
    assert not holder.renewed(seal_token)
    server.start(f"-config={config}")
    init = call(server.addr, "PUT", "sys/init", {"recovery_shares": 1, "recovery_threshold": 1})
    assert init.status == 200 and set(init.body) == {
        "keys", "keys_base64", "recovery_keys", "recovery_keys_base64", "root_token"}
    root = init.body["root_token"]
    assert call(server.addr, "PUT", "cubbyhole/note", {"v": "kept"}, token=root).status == 204

    # Restart: unsealed by the key holder; the seal's token was renewed on the way.
    server.stop()
    assert holder.renewed(seal_token)  # at start, since it is a periodic token
    server.start(f"-config={config}")
    status = call(server.addr, "GET", "sys/seal-status").body
    assert (status["sealed"], status["type"], status["recovery_seal"]) == (False, "transit", True)
    assert call(server.addr, "GET", "cubbyhole/note", token=root).body["data"] == {"v": "kept"}

    # The key holder gone: the next start stays sealed, and says why.
    server.stop()
    holder.stop()
    server.start(f"-config={config}")
    assert call(server.addr, "GET", "sys/seal-status").body["sealed"] is True
    assert "auto-unseal failed" in server.log_tail()
    assert seal_token not in server.log_tail()
    # The recovery key is checked with the holder's help too: 500, still sealed.
    refused = call(server.addr, "PUT", "sys/unseal",
                   {"key": init.body["recovery_keys_base64"][0]})
    assert refused.status == 500 and "transit" in json.dumps(refused.body)
