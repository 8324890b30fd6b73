"""tidy, tidy-status, tidy-cancel and config/auto-tidy.

``tidy`` validates its options, starts the mount's background job (tidy_run.TidyJob) and
answers Vault's 202 with a warning; ``tidy-status`` shows the job's progress and
counters; ``tidy-cancel`` stops it at the next entry. Auto-tidy runs the same job from
the backend's periodic hook (pki/periodic.py) with the stored ``config/auto-tidy``.
"""

from __future__ import annotations

from typing import Any

from pyvault.builtin.secrets.pki.crl import rfc3339
from pyvault.builtin.secrets.pki.engine import Engine
from pyvault.builtin.secrets.pki.fields import B, D, I, S, f
from pyvault.builtin.secrets.pki.store import PKIStore
from pyvault.builtin.secrets.pki.tidy_run import LAST_RUN, OPERATIONS, STATUS_KEYS, TidyJob
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.util.durations import parse_duration

AUTO_DEFAULTS: dict[str, Any] = {
    "acme_account_safety_buffer": 2592000, "enabled": False, "interval_duration": 43200,
    "issuer_safety_buffer": 31536000, "maintain_stored_certificate_counts": False,
    "page_size": 1000, "pause_duration": "0s", "publish_stored_certificate_count_metrics":
    False, "revoked_safety_buffer": 259200, "safety_buffer": 259200,
    **dict.fromkeys(OPERATIONS, False),
}
STARTED = ("Tidy operation successfully started. Any information from the operation will "
           "be printed to Vault's server logs.")
RUNNING = "Tidy operation already in progress."
NOTHING = ("Manual tidy requested but no tidy operations were set. Enable at least one tidy "
           "operation to be run (tidy_cert_store / tidy_revoked_certs / tidy_invalid_certs / "
           "tidy_revoked_cert_issuer_associations / tidy_expired_issuers / "
           "tidy_move_legacy_ca_bundle / tidy_acme).")
AUTO_NOTHING = ("Auto-tidy enabled but no tidy operations were requested. Enable at least one "
                "tidy operation to be run (tidy_cert_store / tidy_revoked_certs / "
                "tidy_invalid_certs / tidy_revoked_cert_issuer_associations / "
                "tidy_expired_issuers / tidy_move_legacy_ca_bundle / tidy_acme).")
NO_METRICS = ("Can not publish a running storage metrics count to metrics without first "
              "maintaining that count.  Enable `maintain_stored_certificate_counts` to enable "
              "`publish_stored_certificate_count_metrics`.")


def _field(name: str, default: Any) -> Any:
    if isinstance(default, bool):
        return f(B, f"Tidy option {name}.")
    if name in ("page_size",):
        return f(I, f"Tidy option {name}.")
    if name == "pause_duration":
        return f(S, f"Tidy option {name}.")
    return f(D, f"Tidy option {name}.")


TIDY_FIELDS = {name: _field(name, default) for name, default in AUTO_DEFAULTS.items()}


def pause_seconds(text: str, prefix: str) -> float:
    try:
        seconds = parse_duration(text) if text else 0.0
    except ValueError:
        raise InvalidRequest(f'{prefix}: time: invalid duration "{text}"') from None
    if seconds < 0:
        raise InvalidRequest("received invalid, negative pause_duration")
    return float(seconds)


def tidy_options(data: FieldData) -> dict[str, Any]:
    """A manual tidy's options (request over defaults), checked as Vault's pathTidyWrite."""
    options = {name: data.get(name) if data.given(name) else default
               for name, default in AUTO_DEFAULTS.items()}
    if data.given("safety_buffer") and not data.given("revoked_safety_buffer"):
        options["revoked_safety_buffer"] = options["safety_buffer"]
    for name in ("safety_buffer", "issuer_safety_buffer", "acme_account_safety_buffer",
                 "revoked_safety_buffer"):
        if int(options[name]) < 1:
            raise InvalidRequest(f"{name} must be greater than zero")
    options["pause_seconds"] = pause_seconds(str(options["pause_duration"]),
                                             "Error parsing pause_duration")
    return options


class TidyPaths:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.job = TidyJob(engine.config.clock)

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
        options = tidy_options(data)
        if not any(options[name] for name in OPERATIONS):
            return Response(warnings=[NOTHING], status=200)
        if self.job.running:
            return Response(warnings=[RUNNING])
        store = self.engine.store(request)
        self.job.start(store, options)
        await store.put_json(LAST_RUN, self.job.last_tidy)
        return Response(warnings=[STARTED], status=202)

    async def start_auto(self, store: PKIStore) -> bool:
        """The periodic hook's half: start a tidy with ``config/auto-tidy`` when it is
        enabled and ``interval_duration`` has passed since the last one (manual runs
        count). The last run time is kept in storage so a restart does not reset it."""
        config = await read_auto_config(store)
        if not config["enabled"] or int(config["interval_duration"]) <= 0 or self.job.running:
            return False
        now = self.engine.config.clock.now()
        last = self.job.last_tidy
        if last is None:
            stored = await store.get_json(LAST_RUN)
            last = float(stored) if isinstance(stored, int | float) else now
            if stored is None:
                await store.put_json(LAST_RUN, now)  # the interval counts from the mount's start
            self.job.last_tidy = last
        if now < last + int(config["interval_duration"]):
            return False
        options = dict(config)
        options["pause_seconds"] = pause_seconds(str(config["pause_duration"]),
                                                 "unable to parse given pause_duration")
        self.job.start(store, options)
        await store.put_json(LAST_RUN, self.job.last_tidy)
        return True

    async def read_status(self, request: Request, data: FieldData) -> Response:
        body = {key: self.job.status.get(key) for key in STATUS_KEYS}
        body["internal_backend_uuid"] = ""
        if body["state"] != "Inactive":
            last = self.job.last_tidy
            body["last_auto_tidy_finished"] = rfc3339(last) if last is not None else None
        return Response(data=body)

    async def cancel(self, request: Request, data: FieldData) -> Response:
        if not self.job.running:
            return Response(warnings=["Tidy operation cannot be cancelled as none is "
                                      "currently running."])
        self.job.cancel()
        return await self.read_status(request, data)

    async def read_auto(self, request: Request, data: FieldData) -> Response:
        return Response(data=await read_auto_config(self.engine.store(request)))

    async def write_auto(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        config = await read_auto_config(store)
        for name in AUTO_DEFAULTS:
            if data.given(name):
                config[name] = data.get(name)
        for name in ("safety_buffer", "issuer_safety_buffer", "revoked_safety_buffer",
                     "acme_account_safety_buffer"):
            if data.given(name) and int(config[name]) < 1:
                label = "safety_buffer" if name == "issuer_safety_buffer" else name
                raise InvalidRequest(f"given {label} must be at least one second; got: "
                                     f"{config[name]}")
        if int(config["interval_duration"]) < 0:
            raise InvalidRequest("given interval_duration must be greater than or equal to "
                                 f"zero seconds; got: {config['interval_duration']}")
        if data.given("pause_duration"):
            pause_seconds(str(config["pause_duration"]), "unable to parse given pause_duration")
        if config["enabled"] and not any(config[name] for name in OPERATIONS):
            raise InvalidRequest(AUTO_NOTHING)
        if config["publish_stored_certificate_count_metrics"] and not config[
                "maintain_stored_certificate_counts"]:
            raise InvalidRequest(NO_METRICS)
        await store.put_json("config/auto-tidy", config)
        return Response(data=config)


async def read_auto_config(store: PKIStore) -> dict[str, Any]:
    config = dict(AUTO_DEFAULTS)
    config.update(await store.get_json("config/auto-tidy") or {})
    return config
