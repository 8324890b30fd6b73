"""A fresh SoftHSM2 token for a test: its own config file and token directory, so
tests never touch (or share) a machine-wide token. Debian's ``softhsm2`` package
provides the module and ``softhsm2-util`` (.ci/run installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

LIB_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)


@dataclass(frozen=True)
class SoftHSMToken:
    conf: Path
    tokens: Path
    lib: str
    label: str
    pin: str

    def seal_block(self, key_label: str = "pyvault-root", generate_key: bool = True) -> str:
        return (
            'seal "pkcs11" {\n'
            f'  lib = "{self.lib}"\n  token_label = "{self.label}"\n  pin = "{self.pin}"\n'
            f'  key_label = "{key_label}"\n  mechanism = "0x1087"\n'
            f'  generate_key = "{str(generate_key).lower()}"\n}}\n'
        )

    def options(self, **extra: str) -> dict[str, str]:
        return {"lib": self.lib, "token_label": self.label, "pin": self.pin,
                "key_label": "pyvault-root", "generate_key": "true", **extra}

    @property
    def _aside(self) -> Path:
        return self.tokens.with_name("softhsm-tokens-unplugged")

    def remove(self) -> None:
        """The HSM is gone: its token (and the key inside) is no longer there."""
        shutil.rmtree(self._aside, ignore_errors=True)
        self.tokens.rename(self._aside)
        self.tokens.mkdir()

    def restore(self) -> None:
        """Plug the removed token back in."""
        shutil.rmtree(self.tokens)
        self._aside.rename(self.tokens)


def softhsm_lib() -> str | None:
    return next((lib for lib in LIB_CANDIDATES if os.path.exists(lib)), None)


def new_token(workdir: Path, label: str = "pyvault", pin: str = "4321") -> SoftHSMToken:
    lib = softhsm_lib()
    if lib is None or shutil.which("softhsm2-util") is None:
        pytest.skip("SoftHSM2 is not installed (apt-get install softhsm2)")
    pytest.importorskip("pkcs11", reason="python-pkcs11 is not installed (pyvault[hsm])")
    tokens = workdir / "softhsm-tokens"
    tokens.mkdir(parents=True)
    conf = workdir / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
         "--so-pin", "87654321"],
        env=dict(os.environ, SOFTHSM2_CONF=str(conf)), check=True, capture_output=True,
    )
    return SoftHSMToken(conf, tokens, lib, label, pin)


@pytest.fixture
def token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SoftHSMToken:
    """A fresh SoftHSM2 token; SOFTHSM2_CONF points at it for this test and for the
    server processes it starts (they inherit the environment)."""
    made = new_token(tmp_path / "hsm")
    monkeypatch.setenv("SOFTHSM2_CONF", str(made.conf))
    return made
