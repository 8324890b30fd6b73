"""The transit seal's own logic: options (file, environment, defaults) and the
binding of the storage path into the wrapped value. The HTTP round trip against
real key holders is in compat-tests/test_autoseal_transit.py."""

from __future__ import annotations

import pytest

from pyvault.seal.protocol import SealConfigError, SealError
from pyvault.seal.transit import TransitOptions, bind, unbind


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for prefix in ("VAULT_", "BAO_"):
        for name in ("ADDR", "TOKEN", "NAMESPACE", "CACERT", "CLIENT_CERT", "CLIENT_KEY",
                     "TLS_SERVER_NAME", "SKIP_VERIFY", "TRANSIT_SEAL_KEY_NAME",
                     "TRANSIT_SEAL_MOUNT_PATH"):
            monkeypatch.delenv(prefix + name, raising=False)


def test_options_and_defaults() -> None:
    options = TransitOptions.from_block({
        "address": "https://holder:8200/", "token": "s.secret", "key_name": "autounseal",
        "mount_path": "/seal/transit", "namespace": "ns1/", "tls_skip_verify": "true",
    })
    assert (options.address, options.mount_path, options.namespace) == (
        "https://holder:8200", "seal/transit/", "ns1")
    assert options.tls_skip_verify and not options.disable_renewal
    assert "s.secret" not in repr(options)
    plain = TransitOptions.from_block({"address": "http://h", "token": "t", "key_name": "k"})
    assert plain.mount_path == "transit/"


def test_token_and_address_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "from-env")
    monkeypatch.setenv("BAO_ADDR", "http://env:8200")
    options = TransitOptions.from_block({"key_name": "k", "token": "from-file"})
    assert (options.token, options.address) == ("from-env", "http://env:8200")


@pytest.mark.parametrize("missing", ["address", "token", "key_name"])
def test_required_options(missing: str) -> None:
    block = {"address": "http://h", "token": "t", "key_name": "k"}
    del block[missing]
    with pytest.raises(SealConfigError, match=f'"{missing}" is required'):
        TransitOptions.from_block(block)


def test_the_storage_path_is_bound_in() -> None:
    bound = bind(b"root-key", b"core/hsm/barrier-unseal-keys")
    assert unbind(bound, b"core/hsm/barrier-unseal-keys") == b"root-key"
    with pytest.raises(SealError, match="another storage path"):
        unbind(bound, b"core/recovery-key")
    with pytest.raises(SealError, match="malformed"):
        unbind(b"\x00", b"x")
