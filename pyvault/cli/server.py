"""Run the server: load config, open storage, start listeners, stop cleanly."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import logging
import os
import signal
import ssl
import sys
from dataclasses import replace

from pyvault.config import ConfigError, ListenerConfig, ServerConfig, StorageConfig, load_config
from pyvault.core.core import Core, CoreConfig
from pyvault.core.seal_migration import SealMigrationError
from pyvault.http.listeners import Listeners
from pyvault.metrics.registry import Metrics
from pyvault.metrics.serverlog import configure as configure_logging
from pyvault.metrics.timed_physical import TimedPhysical
from pyvault.physical import create_backend
from pyvault.physical.errors import PhysicalError
from pyvault.physical.protocol import HABackend
from pyvault.seal.factory import SealSetup, build_seals
from pyvault.seal.protocol import AutoSeal, SealConfigError, SealError
from pyvault.util.clock import SystemClock

log = logging.getLogger("pyvault.server")
AUTO_UNSEAL_RETRY = 5.0  # seconds between tries while the seal cannot be reached
_LEVELS = {"trace": logging.DEBUG, "debug": logging.DEBUG, "info": logging.INFO,
           "warn": logging.WARNING, "warning": logging.WARNING, "error": logging.ERROR}


def dev_config(config: ServerConfig, listen_address: str) -> ServerConfig:
    # As Vault's dev listener: sys/metrics readable without a token.
    listener = ListenerConfig(address=listen_address, tls_disable=True,
                              unauthenticated_metrics_access=True)
    return replace(config, storage=StorageConfig("inmem", {}), listeners=(listener,),
                   prometheus_retention_time=config.prometheus_retention_time or 24 * 3600)


def serve(
    *,
    config_paths: list[str],
    dev: bool,
    dev_root_token_id: str,
    dev_listen_address: str,
    log_level: str | None,
) -> int:
    try:
        config = load_config(config_paths) if config_paths else ServerConfig(None, ())
    except ConfigError as exc:
        print(f"Error loading configuration: {exc}", file=sys.stderr)
        return 1
    if dev:
        config = dev_config(config, dev_listen_address)
    if config.storage is None:
        print("Error: no storage configured (add a storage block, or use -dev)", file=sys.stderr)
        return 1
    if not config.listeners:
        print("Error: no listener configured (add a listener \"tcp\" block)", file=sys.stderr)
        return 1
    configure_logging(_LEVELS.get((log_level or config.log_level).lower(), logging.INFO),
                      config.log_format, sys.stderr)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        return asyncio.run(_run(config, dev, dev_root_token_id))
    except (ConfigError, PhysicalError, OSError, ssl.SSLError) as exc:
        print(f"Error starting server: {exc}", file=sys.stderr)
        return 1


async def _run(config: ServerConfig, dev: bool, dev_root_token_id: str) -> int:
    assert config.storage is not None
    metrics = Metrics(retention=config.prometheus_retention_time,
                      disable_hostname=config.disable_hostname)
    backend = create_backend(config.storage.type, config.storage.options)
    physical = TimedPhysical(backend, metrics, SystemClock())
    ha_backend = backend if isinstance(backend, HABackend) and backend.ha_enabled else None
    api_addr, cluster_addr = advertised_addresses(config)
    seals = SealSetup() if dev else _seals(config)
    seal = seals.seal
    core = Core(
        physical,
        CoreConfig(
            storage_type=config.storage.type,
            default_lease_ttl=config.default_lease_ttl,
            max_lease_ttl=config.max_lease_ttl,
            api_addr=api_addr,
            cluster_addr=cluster_addr,
            request_forwarding=not config.disable_clustering,
            freeze_gc_after_unseal=True,
            cluster_name=config.cluster_name or "",
            allow_api_audit_creation=config.unsafe_allow_api_audit_creation,
            allow_audit_log_prefixing=config.allow_audit_log_prefixing,
        ),
        metrics=metrics,
        ha_backend=ha_backend,
        seal=seals.seal,
        unwrap_seal=seals.unwrap,
    )
    try:
        await core.open()
    except SealMigrationError as exc:
        await core.close()  # storage's worker thread would keep the process alive
        raise ConfigError(f"Error initializing core: {exc}") from None
    listeners = Listeners(core, config.listeners)
    retrying: asyncio.Task[None] | None = None
    try:
        if dev:
            await _dev_unseal(core, dev_root_token_id, config.listeners[0].address)
        elif seal is not None and not await _try_auto_unseal(core, seal):
            retrying = asyncio.create_task(_auto_unseal(core, seal))
        await listeners.start()
        _write_pid(config.pid_file)
        # What is alive now (modules, config, in dev mode the unsealed core) lives as
        # long as the process: frozen, the collector's full sweeps stop re-scanning it.
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        # SIGHUP: file audit devices reopen their files (log rotation), as Vault's.
        reopening: set[asyncio.Task[None]] = set()  # keep a reference until done

        def reopen_audit() -> None:
            task = loop.create_task(core.audit.reopen())
            reopening.add(task)
            task.add_done_callback(reopening.discard)

        loop.add_signal_handler(signal.SIGHUP, reopen_audit)
        print("==> pyvault server started! Log data will stream in below:", flush=True)
        await stop.wait()
        log.info("shutdown requested: finishing in-flight requests")
    finally:
        if retrying is not None:
            retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retrying
        await listeners.stop()
        await core.close()
        for each in seals.seals():
            await each.close()
        _remove_pid(config.pid_file)
    return 0


def _seals(config: ServerConfig) -> SealSetup:
    """The configured auto-unseal seal (None: Shamir, the operators unseal) and a
    disabled one to migrate away from."""
    from pyvault.http.transit_client import connect

    try:
        return build_seals(config.seals, transit_client=connect)
    except (SealConfigError, SealError) as exc:
        raise ConfigError(f"error loading configuration: seal: {exc}") from None


async def _auto_unseal(core: Core, seal: AutoSeal) -> None:
    """Connect to the seal and let it open the vault. A seal that is not there
    leaves the server up and sealed (the log says why) and is tried again every few
    seconds until it answers once, as Vault does; after that sys/seal is respected."""
    while True:
        await asyncio.sleep(AUTO_UNSEAL_RETRY)
        if await _try_auto_unseal(core, seal):
            return


async def _try_auto_unseal(core: Core, seal: AutoSeal) -> bool:
    try:
        await seal.open()
    except SealError as exc:
        log.error("seal: %s", exc)
    return await core.auto_unseal()


def advertised_addresses(config: ServerConfig) -> tuple[str, str]:
    """api_addr and cluster_addr; unset ones derive from the first listener as Vault
    does (cluster port = listener port + 1), so standbys can find the active node."""
    api_addr, cluster_addr = config.api_addr or "", config.cluster_addr or ""
    if config.listeners and (not api_addr or not cluster_addr):
        listener = config.listeners[0]
        host, _, port = listener.address.rpartition(":")
        scheme = "http" if listener.tls_disable else "https"
        api_addr = api_addr or f"{scheme}://{listener.address}"
        if port.isdigit():
            cluster_addr = cluster_addr or f"https://{host}:{int(port) + 1}"
    return api_addr, cluster_addr


async def _dev_unseal(core: Core, root_token_id: str, address: str) -> None:
    result = await core.initialize(1, 1, root_token_id or None)
    key = base64.b64encode(result.keys[0]).decode()
    await core.unseal(key)
    await core.mount_dev_secrets()
    print(
        "WARNING: dev mode. All data lives in memory and is lost on exit; the server\n"
        "starts initialised and unsealed with a single unseal key. Never use it in\n"
        "production.\n\n"
        "To talk to it:\n\n"
        f"    $ export VAULT_ADDR='http://{address}'\n"
        f"    $ export BAO_ADDR='http://{address}'\n\n"
        "The unseal key and root token, in case you seal it or need to log in again:\n\n"
        f"Unseal Key: {key}\n"
        f"Root Token: {result.root_token}\n",
        flush=True,
    )


def _write_pid(path: str | None) -> None:
    if path:
        with open(path, "w") as handle:
            handle.write(f"{os.getpid()}\n")


def _remove_pid(path: str | None) -> None:
    if path:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
