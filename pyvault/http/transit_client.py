"""The HTTP client behind ``seal "transit"``: encrypt/decrypt with another
Vault-compatible server's transit key, and renew the seal's token there.

It lives in the http layer because only this layer speaks HTTP (aiohttp); the seal
(pyvault/seal/transit.py) is handed a ``connect`` function that builds one.
"""

from __future__ import annotations

import base64
import binascii
import ssl
from typing import Any

import aiohttp

from pyvault.seal.protocol import SealError
from pyvault.seal.transit import TransitOptions

TIMEOUT = aiohttp.ClientTimeout(total=30)


def _ssl_context(options: TransitOptions) -> ssl.SSLContext | bool:
    if not options.address.startswith("https://"):
        return True  # ignored for plain HTTP
    if options.tls_skip_verify:
        return False
    context = ssl.create_default_context(cafile=options.tls_ca_cert or None)
    if options.tls_client_cert:
        context.load_cert_chain(options.tls_client_cert, options.tls_client_key or None)
    return context


class AiohttpTransitClient:
    def __init__(self, options: TransitOptions) -> None:
        self._options = options
        self._session: aiohttp.ClientSession | None = None
        try:
            self._ssl = _ssl_context(options)
        except (OSError, ssl.SSLError) as exc:
            raise SealError(f"transit: TLS settings: {exc}") from None

    def _headers(self) -> dict[str, str]:
        headers = {"X-Vault-Token": self._options.token}
        if self._options.namespace:
            headers["X-Vault-Namespace"] = self._options.namespace
        return headers

    async def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        url = f"{self._options.address}/v1/{path}"
        extra: dict[str, Any] = {}
        if self._options.tls_server_name:
            extra["server_hostname"] = self._options.tls_server_name
        try:
            async with self._session.post(url, json=body, headers=self._headers(),
                                          ssl=self._ssl, **extra) as response:
                answer = await response.json(content_type=None)
                status = response.status
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise SealError(f"transit: {self._options.address} unreachable: "
                            f"{type(exc).__name__}") from None
        if status >= 300 or not isinstance(answer, dict):
            errors = answer.get("errors") if isinstance(answer, dict) else None
            detail = "; ".join(str(e) for e in errors) if errors else "no details"
            raise SealError(f"transit: {path} answered {status}: {detail}")
        return answer

    async def encrypt(self, plaintext: bytes) -> str:
        path = f"{self._options.mount_path}encrypt/{self._options.key_name}"
        answer = await self._call(path, {"plaintext": base64.b64encode(plaintext).decode()})
        ciphertext = (answer.get("data") or {}).get("ciphertext")
        if not isinstance(ciphertext, str):
            raise SealError("transit: the encrypt answer has no ciphertext")
        return ciphertext

    async def decrypt(self, ciphertext: str) -> bytes:
        path = f"{self._options.mount_path}decrypt/{self._options.key_name}"
        answer = await self._call(path, {"ciphertext": ciphertext})
        plaintext = (answer.get("data") or {}).get("plaintext")
        try:
            if not isinstance(plaintext, str):
                raise TypeError("no plaintext")
            return base64.b64decode(plaintext, validate=True)
        except (TypeError, binascii.Error):
            raise SealError("transit: the decrypt answer has no plaintext") from None

    async def renew_token(self) -> float:
        answer = await self._call("auth/token/renew-self", {})
        auth = answer.get("auth") or {}
        return float(auth.get("lease_duration") or 0) if auth.get("renewable") else 0.0

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def connect(options: TransitOptions) -> AiohttpTransitClient:
    return AiohttpTransitClient(options)
