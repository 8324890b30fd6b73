"""The tidy job: one background task per mount that walks storage and removes what is
no longer needed, reporting progress in ``status`` (what ``tidy-status`` shows).

Order and rules follow Vault's startTidyOperation, with OpenBao's buffers: cert store
(revoked certificates wait for ``revoked_safety_buffer``), then revocations (issuer
associations before deletions), then expired issuers, then the legacy CA bundle; broken
entries go only with ``tidy_invalid_certs``. Cancellation is checked between entries and
between steps; ``pause_duration`` sleeps between entries to spread the load. Deleted
entries hold no secrets, and nothing of their content is logged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from cryptography import x509

from pyvault.builtin.secrets.pki import ca
from pyvault.builtin.secrets.pki.crl import DIRTY, crl_config, rebuild, rfc3339
from pyvault.builtin.secrets.pki.store import IssuerEntry, PKIStore
from pyvault.util.clock import Clock

log = logging.getLogger("pyvault.pki")

OPERATIONS = ("tidy_cert_store", "tidy_revoked_certs", "tidy_invalid_certs",
              "tidy_revoked_cert_issuer_associations", "tidy_expired_issuers",
              "tidy_move_legacy_ca_bundle", "tidy_acme")
STATUS_KEYS = (
    "acme_account_deleted_count", "acme_account_revoked_count", "acme_account_safety_buffer",
    "acme_orders_deleted_count", "cert_store_deleted_count", "current_cert_store_count",
    "current_revoked_cert_count", "error", "issuer_safety_buffer", "message",
    "missing_issuer_cert_count", "page_size", "pause_duration", "revoked_cert_deleted_count",
    "revoked_safety_buffer", "safety_buffer", "state", *OPERATIONS, "time_finished",
    "time_started", "total_acme_account_count",
)
COUNTERS = ("cert_store_deleted_count", "revoked_cert_deleted_count",
            "missing_issuer_cert_count", "acme_account_deleted_count",
            "acme_account_revoked_count", "acme_orders_deleted_count",
            "total_acme_account_count")
LAST_RUN = "config/auto-tidy-last-run"
LEGACY_BUNDLE, LEGACY_BUNDLE_BACKUP = "config/ca_bundle", "config/ca_bundle.bak"
YIELD_EVERY = 64  # entries between event-loop yields when there is no pause


class Cancelled(Exception):
    """tidy-cancel was called; the job stops at the next check."""


class TidyJob:
    """The mount's tidy state: at most one job runs; the status outlives it."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.status: dict[str, Any] = {"state": "Inactive"}
        self.task: asyncio.Task[None] | None = None
        self.cancel_requested = False
        self.last_tidy: float | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, store: PKIStore, options: dict[str, Any]) -> None:
        self.cancel_requested = False
        self.last_tidy = self.clock.now()
        self.status = dict.fromkeys(STATUS_KEYS)
        self.status.update({k: options[k] for k in STATUS_KEYS if k in options})
        self.status.update(dict.fromkeys(COUNTERS, 0))
        self.status.update(state="Running", time_started=rfc3339(self.clock.now()))
        self.task = asyncio.get_running_loop().create_task(self._run(store, options))

    def cancel(self) -> None:
        if self.running:
            self.cancel_requested = True
            self.status["state"] = "Cancelling"

    def shutdown(self) -> None:
        """The backend goes away (unmount, seal): end a running job now rather than at
        its next step, since its storage view is no longer usable."""
        if self.running and self.task is not None:
            self.task.cancel()
            self._stop("Cancelled")

    async def _run(self, store: PKIStore, options: dict[str, Any]) -> None:
        try:
            await self._steps(store, options)
        except Cancelled:
            self._stop("Cancelled")
        except Exception as exc:  # reported through tidy-status, as Vault's
            log.error("pki tidy failed: %s", type(exc).__name__)
            self._stop("Error", error=str(exc) or type(exc).__name__)
        else:
            self._stop("Finished")
            self.status["message"] = None
            # The interval counts from the end of a successful run, as Vault's, and is
            # kept in storage so a restart does not reset it.
            self.last_tidy = self.clock.now()
            try:
                await store.put_json(LAST_RUN, self.last_tidy)
            except Exception as exc:  # e.g. sealed meanwhile; the in-memory time still holds
                log.warning("pki tidy: last run time not stored: %s", type(exc).__name__)

    def _stop(self, state: str, error: str | None = None) -> None:
        self.status.update(state=state, time_finished=rfc3339(self.clock.now()), error=error)

    async def _step_boundary(self) -> None:
        if self.cancel_requested:
            raise Cancelled

    async def _pace(self, index: int, options: dict[str, Any]) -> None:
        await self._step_boundary()
        if options["pause_seconds"] > 0:
            await asyncio.sleep(options["pause_seconds"])
        elif index % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)

    async def _steps(self, store: PKIStore, options: dict[str, Any]) -> None:
        changed = False
        if options["tidy_cert_store"] or options["tidy_invalid_certs"]:
            changed = await self._cert_store(store, options)
        await self._step_boundary()
        if options["tidy_revoked_certs"] or options["tidy_revoked_cert_issuer_associations"] \
                or options["tidy_invalid_certs"]:
            changed = await self._revocations(store, options) or changed
        if changed:
            await self._after_revocations_changed(store)
        await self._step_boundary()
        if options["tidy_expired_issuers"]:
            await self._expired_issuers(store, options)
        await self._step_boundary()
        if options["tidy_move_legacy_ca_bundle"]:
            await self._legacy_bundle(store)

    async def _cert_store(self, store: PKIStore, options: dict[str, Any]) -> bool:
        """Expired certificates past ``safety_buffer``; revoked ones past
        ``revoked_safety_buffer`` (their revocation entry too with tidy_revoked_certs).
        True when a revocation entry went."""
        serials = await store.children("certs/")
        now = self.clock.now()
        revoked_gone = False
        for index, key in enumerate(serials):
            self.status["message"] = (f"Tidying certificate store: checking entry {index} of "
                                      f"{len(serials)}")
            await self._pace(index, options)
            record = await store.get_json("certs/" + key)
            cert = _parse(record)
            if cert is None:
                # Empty entries always go; unparsable ones only with tidy_invalid_certs.
                if not _has_certificate(record) or options["tidy_invalid_certs"]:
                    await store.storage.delete("certs/" + key)
                    self.status["cert_store_deleted_count"] += 1
                continue
            if not options["tidy_cert_store"]:
                continue
            revoked = await store.storage.get("revoked/" + key) is not None
            if not _expired(cert, now, options["revoked_safety_buffer" if revoked
                                               else "safety_buffer"]):
                continue
            async with store.crl_lock:
                await store.storage.delete("certs/" + key)
                self.status["cert_store_deleted_count"] += 1
                if revoked and options["tidy_revoked_certs"]:
                    await store.storage.delete("revoked/" + key)
                    self.status["revoked_cert_deleted_count"] += 1
                    revoked_gone = True
        return revoked_gone

    async def _revocations(self, store: PKIStore, options: dict[str, Any]) -> bool:
        """Re-associate revocations with their issuer, drop expired and broken ones. True
        when the revocation list changed."""
        issuers = await store.issuers()
        serials = await store.children("revoked/")
        now = self.clock.now()
        changed = False
        for index, key in enumerate(serials):
            self.status["message"] = (f"Tidying revoked certificates: checking certificate "
                                      f"{index} of {len(serials)}")
            await self._pace(index, options)
            async with store.crl_lock:
                record = await store.get_json("revoked/" + key)
                cert = _parse(record)
                if cert is None:
                    if not _has_certificate(record) or options["tidy_invalid_certs"]:
                        await store.storage.delete("revoked/" + key)
                        self.status["revoked_cert_deleted_count"] += 1
                        changed = True
                    continue
                assert isinstance(record, dict)
                rewrite = False
                if options["tidy_revoked_cert_issuer_associations"] and not _issuer_valid(
                        record.get("issuer_id", ""), cert, issuers):
                    self.status["missing_issuer_cert_count"] += 1
                    parent = next((i for i in issuers if ca.signed_by(cert, i.cert())), None)
                    record["issuer_id"] = parent.id if parent else ""
                    rewrite = True
                if options["tidy_revoked_certs"] and _expired(
                        cert, now, options["revoked_safety_buffer"]):
                    await store.storage.delete("revoked/" + key)
                    await store.storage.delete("certs/" + key)
                    self.status["revoked_cert_deleted_count"] += 1
                    changed = True
                elif rewrite:
                    await store.put_json("revoked/" + key, record)
                    changed = True
        return changed

    async def _after_revocations_changed(self, store: PKIStore) -> None:
        # Expired entries are no urgent reason to re-sign: with auto_rebuild the next
        # CRL read (or the periodic check) does it, as Vault defers it too.
        if (await crl_config(store))["auto_rebuild"]:
            await store.put_json(DIRTY, True)
        else:
            await rebuild(store, self.clock.now())

    async def _expired_issuers(self, store: PKIStore, options: dict[str, Any]) -> None:
        """Issuers past notAfter + issuer_safety_buffer go (their keys stay), except the
        default issuer, which is only logged."""
        self.status["message"] = "Tidying expired issuers"
        default = await store.default_issuer_id()
        now = self.clock.now()
        removed = False
        for issuer in await store.issuers():
            if not _expired(issuer.cert(), now, options["issuer_safety_buffer"]):
                continue
            if issuer.id == default:
                log.warning("pki tidy: issuer %s has expired but is the default issuer; kept",
                            issuer.id)
                continue
            log.info("pki tidy: removing expired issuer %s (key %s kept)", issuer.id,
                     issuer.key_id)
            await store.storage.delete("issuer/" + issuer.id)
            await store.storage.delete("crl/" + issuer.id)
            removed = True
        if removed:
            remaining = await store.issuers()
            ids = {i.id for i in remaining}
            for issuer in remaining:  # a manual chain through a removed issuer is reset
                if issuer.manual_chain and not set(issuer.manual_chain) <= ids:
                    issuer.manual_chain = None
                    await store.put_issuer(issuer)
            await rebuild(store, self.clock.now())

    async def _legacy_bundle(self, store: PKIStore) -> None:
        """Vault's pre-1.11 single CA bundle moves to its backup path (write, then delete)."""
        self.status["message"] = "Moving the legacy CA bundle"
        raw = await store.storage.get(LEGACY_BUNDLE)
        if raw is None:
            return
        await store.storage.put(LEGACY_BUNDLE_BACKUP, raw)
        await store.storage.delete(LEGACY_BUNDLE)


def _parse(record: Any) -> x509.Certificate | None:
    if not isinstance(record, dict) or not record.get("certificate"):
        return None
    try:
        return x509.load_pem_x509_certificate(str(record["certificate"]).encode())
    except ValueError:
        return None


def _has_certificate(record: Any) -> bool:
    return isinstance(record, dict) and bool(record.get("certificate"))


def _expired(cert: x509.Certificate, now: float, buffer: int) -> bool:
    return now - cert.not_valid_after_utc.timestamp() > buffer


def _issuer_valid(issuer_id: str, cert: x509.Certificate, issuers: list[IssuerEntry]) -> bool:
    issuer = next((i for i in issuers if i.id == issuer_id), None)
    return issuer is not None and ca.signed_by(cert, issuer.cert())
