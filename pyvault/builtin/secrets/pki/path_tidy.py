"""tidy, tidy-status, tidy-cancel and config/auto-tidy.

Tidy removes issued certificates that expired more than ``safety_buffer`` ago and
revocation entries whose certificate expired more than ``revoked_safety_buffer`` ago,
so storage stays bounded. It runs to completion inside the request (deterministic,
and a PKI mount's store is walked once); the answer is Vault's 202 with a warning.
"""

from __future__ import annotations

from typing import Any

from pyvault.builtin.secrets.pki import ca
from pyvault.builtin.secrets.pki.crl import rebuild, rfc3339
from pyvault.builtin.secrets.pki.engine import Engine
from pyvault.builtin.secrets.pki.fields import B, D, I, S, f
from pyvault.builtin.secrets.pki.store import PKIStore
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response

OPERATIONS = ("tidy_cert_store", "tidy_revoked_certs", "tidy_invalid_certs",
              "tidy_revoked_cert_issuer_associations", "tidy_expired_issuers",
              "tidy_move_legacy_ca_bundle", "tidy_acme")
AUTO_DEFAULTS: dict[str, Any] = {
    "acme_account_safety_buffer": 2592000, "enabled": False, "interval_duration": 43200,
    "issuer_safety_buffer": 31536000, "maintain_stored_certificate_counts": False,
    "page_size": 1000, "pause_duration": "0s", "publish_stored_certificate_count_metrics":
    False, "revoked_safety_buffer": 259200, "safety_buffer": 259200,
    **dict.fromkeys(OPERATIONS, False),
}
STATUS_KEYS = (
    "acme_account_deleted_count", "acme_account_revoked_count", "acme_account_safety_buffer",
    "acme_orders_deleted_count", "cert_store_deleted_count", "current_cert_store_count",
    "current_revoked_cert_count", "error", "issuer_safety_buffer", "message",
    "missing_issuer_cert_count", "page_size", "pause_duration", "revoked_cert_deleted_count",
    "revoked_safety_buffer", "safety_buffer", "state", *OPERATIONS, "time_finished",
    "time_started", "total_acme_account_count",
)
STARTED = ("Tidy operation successfully started. Any information from the operation will "
           "be printed to Vault's server logs.")
NOTHING = ("Manual tidy requested but no tidy operations were set. Enable at least one tidy "
           "operation to be run (tidy_cert_store / tidy_revoked_certs / tidy_invalid_certs / "
           "tidy_revoked_cert_issuer_associations / tidy_expired_issuers / "
           "tidy_move_legacy_ca_bundle / tidy_acme).")


def _field(name: str, default: Any) -> Any:
    if isinstance(default, bool):
        return f(B, f"Tidy option {name}.")
    if name in ("page_size",):
        return f(I, f"Tidy option {name}.")
    if name == "pause_duration":
        return f(S, f"Tidy option {name}.")
    return f(D, f"Tidy option {name}.")


TIDY_FIELDS = {name: _field(name, default) for name, default in AUTO_DEFAULTS.items()}


class TidyPaths:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.status: dict[str, Any] = {"state": "Inactive"}

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("tidy",), fields=TIDY_FIELDS, operations=ops(update=self.tidy),
                 synopsis="Tidy up the backend by removing expired certificates, revocation "
                          "information, or both."),
            Path(patterns=("tidy-status",), operations=ops(read=self.read_status),
                 synopsis="Returns the status of the tidy operation."),
            Path(patterns=("tidy-cancel",), operations=ops(update=self.cancel),
                 synopsis="Cancels a currently running tidy operation."),
            Path(patterns=("config/auto-tidy",), fields=TIDY_FIELDS,
                 operations=ops(read=self.read_auto, update=self.write_auto),
                 synopsis="Modifies the current configuration for automatic tidy execution."),
        ]

    async def tidy(self, request: Request, data: FieldData) -> Response:
        options = {name: data.get(name) if data.given(name) else default
                   for name, default in AUTO_DEFAULTS.items()}
        if data.given("safety_buffer") and not data.given("revoked_safety_buffer"):
            options["revoked_safety_buffer"] = options["safety_buffer"]
        if not any(options[name] for name in OPERATIONS):
            return Response(warnings=[NOTHING], status=200)
        await self.run(self.engine.store(request), options)
        return Response(warnings=[STARTED], status=202)

    async def run(self, store: PKIStore, options: dict[str, Any]) -> None:
        clock = self.engine.config.clock
        started = clock.now()
        self.status = {key: None for key in STATUS_KEYS}
        self.status.update({k: options[k] for k in AUTO_DEFAULTS if k in STATUS_KEYS})
        self.status.update(state="Running", time_started=rfc3339(started),
                           cert_store_deleted_count=0, revoked_cert_deleted_count=0,
                           missing_issuer_cert_count=0, acme_account_deleted_count=0,
                           acme_account_revoked_count=0, acme_orders_deleted_count=0,
                           total_acme_account_count=0)
        now = clock.now()
        if options["tidy_cert_store"]:
            for key in await store.children("certs/"):
                record = await store.get_json("certs/" + key)
                if _expired(record, now, options["safety_buffer"]):
                    await store.storage.delete("certs/" + key)
                    self.status["cert_store_deleted_count"] += 1
        removed_revoked = False
        if options["tidy_revoked_certs"] or options["tidy_revoked_cert_issuer_associations"]:
            for key in await store.children("revoked/"):
                record = await store.get_json("revoked/" + key)
                if options["tidy_revoked_certs"] and _expired(
                        record, now, options["revoked_safety_buffer"]):
                    await store.storage.delete("revoked/" + key)
                    await store.storage.delete("certs/" + key)
                    self.status["revoked_cert_deleted_count"] += 1
                    removed_revoked = True
        if removed_revoked:
            await rebuild(store, now)
        self.status.update(state="Finished", time_finished=rfc3339(clock.now()))

    async def read_status(self, request: Request, data: FieldData) -> Response:
        body = {key: self.status.get(key) for key in STATUS_KEYS}
        body["internal_backend_uuid"] = ""
        return Response(data=body)

    async def cancel(self, request: Request, data: FieldData) -> Response:
        if self.status.get("state") != "Running":
            return Response(warnings=["Tidy operation cannot be cancelled as none is "
                                      "currently running."])
        self.status["state"] = "Cancelled"
        return Response(data=await self._status_body())

    async def _status_body(self) -> dict[str, Any]:
        return {key: self.status.get(key) for key in STATUS_KEYS}

    async def read_auto(self, request: Request, data: FieldData) -> Response:
        config = dict(AUTO_DEFAULTS)
        config.update(await self.engine.store(request).get_json("config/auto-tidy") or {})
        return Response(data=config)

    async def write_auto(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        config = dict(AUTO_DEFAULTS)
        config.update(await store.get_json("config/auto-tidy") or {})
        for name in AUTO_DEFAULTS:
            if data.given(name):
                config[name] = data.get(name)
        await store.put_json("config/auto-tidy", config)
        return Response(data=config)


def _expired(record: Any, now: float, buffer: int) -> bool:
    if not isinstance(record, dict) or "certificate" not in record:
        return False
    cert = ca.parse_cert(record["certificate"])
    return cert.not_valid_after_utc.timestamp() + buffer < now
