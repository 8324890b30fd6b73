"""``seal "transit"``: another Vault-compatible server's transit key wraps the root key.

The HTTP client is injected (pyvault.http.transit_client; only the http layer speaks
HTTP). The storage path is bound into the plaintext and checked after decryption,
since transit's own associated-data support differs between servers. Unless
``disable_renewal`` is set, the seal's token is renewed at half its TTL, as Vault does.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pyvault.seal.options import flag, option, required
from pyvault.seal.protocol import SealError

log = logging.getLogger("pyvault.seal")
MIN_RENEW_WAIT = 5.0


@dataclass(frozen=True, slots=True)
class TransitOptions:
    address: str
    token: str = field(repr=False)
    key_name: str
    mount_path: str = "transit/"
    namespace: str = ""
    disable_renewal: bool = False
    tls_ca_cert: str = ""
    tls_client_cert: str = ""
    tls_client_key: str = ""
    tls_server_name: str = ""
    tls_skip_verify: bool = False

    @classmethod
    def from_block(cls, options: Mapping[str, str]) -> TransitOptions:
        def env(name: str) -> tuple[str, str]:
            return (f"BAO_{name}", f"VAULT_{name}")

        mount = option(options, "mount_path", ("BAO_TRANSIT_SEAL_MOUNT_PATH",
                                               "VAULT_TRANSIT_SEAL_MOUNT_PATH"), "transit/")
        return cls(
            address=required(options, "address", env("ADDR")).rstrip("/"),
            token=required(options, "token", ("BAO_TOKEN", "VAULT_TOKEN")),
            key_name=required(options, "key_name", ("BAO_TRANSIT_SEAL_KEY_NAME",
                                                    "VAULT_TRANSIT_SEAL_KEY_NAME")),
            mount_path=mount.strip("/") + "/",
            namespace=option(options, "namespace", env("NAMESPACE")).strip("/"),
            disable_renewal=flag(options, "disable_renewal"),
            tls_ca_cert=option(options, "tls_ca_cert", env("CACERT")),
            tls_client_cert=option(options, "tls_client_cert", env("CLIENT_CERT")),
            tls_client_key=option(options, "tls_client_key", env("CLIENT_KEY")),
            tls_server_name=option(options, "tls_server_name", env("TLS_SERVER_NAME")),
            tls_skip_verify=flag(options, "tls_skip_verify", env("SKIP_VERIFY")),
        )


class TransitClient(Protocol):
    """The calls the seal makes to the key holder; errors are SealError."""

    async def encrypt(self, plaintext: bytes) -> str: ...

    async def decrypt(self, ciphertext: str) -> bytes: ...

    async def renew_token(self) -> float:
        """Renew the seal's token; returns its new TTL in seconds (0: not renewable)."""

    async def close(self) -> None: ...


TransitClientFactory = Callable[[TransitOptions], TransitClient]


def bind(plaintext: bytes, aad: bytes) -> bytes:
    return struct.pack(">I", len(aad)) + aad + plaintext


def unbind(bound: bytes, aad: bytes) -> bytes:
    if len(bound) < 4:
        raise SealError("transit: the decrypted value is malformed")
    (size,) = struct.unpack(">I", bound[:4])
    if not hmac.compare_digest(bound[4:4 + size], aad):
        raise SealError("transit: the stored value belongs to another storage path")
    return bound[4 + size:]


class TransitSeal:
    seal_type = "transit"

    def __init__(self, options: TransitOptions, client_factory: TransitClientFactory) -> None:
        self._options = options
        self._factory = client_factory
        self._client: TransitClient | None = None
        self._renewer: asyncio.Task[None] | None = None

    def _connected(self) -> TransitClient:
        if self._client is None:
            self._client = self._factory(self._options)
        return self._client

    async def open(self) -> None:
        client = self._connected()
        if self._options.disable_renewal or self._renewer is not None:
            return
        try:
            ttl = await client.renew_token()
        except SealError as exc:
            log.warning("seal: transit token not renewed: %s", exc)
            return
        if ttl > 0:
            self._renewer = asyncio.create_task(self._renew_loop(ttl))

    async def _renew_loop(self, ttl: float) -> None:
        client = self._connected()
        while ttl > 0:
            await asyncio.sleep(max(ttl / 2, MIN_RENEW_WAIT))
            try:
                ttl = await client.renew_token()
            except SealError as exc:
                log.warning("seal: transit token renewal failed: %s", exc)

    async def wrap(self, plaintext: bytes, aad: bytes) -> bytes:
        ciphertext = await self._connected().encrypt(bind(plaintext, aad))
        return ciphertext.encode()

    async def unwrap(self, blob: bytes, aad: bytes) -> bytes:
        try:
            ciphertext = blob.decode("ascii")
        except UnicodeDecodeError:
            raise SealError("transit: the stored blob is not a transit ciphertext") from None
        return unbind(await self._connected().decrypt(ciphertext), aad)

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        if self._client is not None:
            await self._client.close()
            self._client = None
