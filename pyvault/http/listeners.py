"""TCP listeners (plain or TLS) serving one Core; started and stopped as a group."""

from __future__ import annotations

import logging
import ssl

from aiohttp import web

from pyvault.config import ListenerConfig
from pyvault.core.core import Core
from pyvault.http.app import build_app
from pyvault.http.forwarding import Forwarder

log = logging.getLogger("pyvault.server")
_TLS_VERSIONS = {
    "tls10": ssl.TLSVersion.TLSv1,
    "tls11": ssl.TLSVersion.TLSv1_1,
    "tls12": ssl.TLSVersion.TLSv1_2,
    "tls13": ssl.TLSVersion.TLSv1_3,
}


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "0.0.0.0", int(port)


def tls_context(listener: ListenerConfig) -> ssl.SSLContext | None:
    """Vault's tls_* listener options as an SSLContext (None when TLS is off)."""
    if listener.tls_disable:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = _TLS_VERSIONS[listener.tls_min_version]
    assert listener.tls_cert_file and listener.tls_key_file  # checked by the config parser
    context.load_cert_chain(listener.tls_cert_file, listener.tls_key_file)
    if listener.tls_client_ca_file:
        context.load_verify_locations(listener.tls_client_ca_file)
        context.verify_mode = ssl.CERT_OPTIONAL
    if listener.tls_require_and_verify_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
    return context


class Listeners:
    """All configured listeners; ``stop`` lets in-flight requests finish."""

    def __init__(self, core: Core, configs: tuple[ListenerConfig, ...]) -> None:
        self._core = core
        self._configs = configs
        self._runners: list[web.AppRunner] = []
        # HA: one forwarder towards the active node, shared by every listener.
        self._forwarder = Forwarder(core) if core.ha is not None else None

    async def start(self) -> None:
        if self._forwarder is not None:
            await self._forwarder.start()
        for listener in self._configs:
            app = build_app(self._core, listener, self._forwarder)
            runner = web.AppRunner(app, handle_signals=False,
                                   access_log=None, shutdown_timeout=30.0)
            await runner.setup()
            self._runners.append(runner)
            host, port = split_address(listener.address)
            await web.TCPSite(runner, host, port, ssl_context=tls_context(listener)).start()
            scheme = "http" if listener.tls_disable else "https"
            log.info("listening on %s://%s", scheme, listener.address)

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()
        if self._forwarder is not None:
            await self._forwarder.close()
