"""The endpoints that work while sealed: init, seal-status, unseal, health, leader.

Like Vault's raw sys handlers they bypass the logical pipeline (no token, no
envelope) because the barrier may be closed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from pyvault.core.core import Core, SealStatus
from pyvault.core.seal_config import SealConfig
from pyvault.http.envelope import empty_response, error_response, json_response
from pyvault.http.godecode import decode_struct
from pyvault.http.jsonio import loads_body
from pyvault.http.sys_ceremony import CEREMONY_ROUTES, init_answer, init_pgp_keys
from pyvault.http.sys_recovery import RECOVERY_ROUTES, auto_init
from pyvault.logical.errors import InvalidRequest
from pyvault.util.clock import rfc3339
from pyvault.version import VAULT_API_VERSION, build_date

RawHandler = Callable[[web.Request, Core, bytes], Awaitable[web.StreamResponse]]

_INIT_FIELDS: dict[str, type] = {
    "secret_shares": int,
    "secret_threshold": int,
    "stored_shares": int,
    "pgp_keys": list,
    "recovery_shares": int,
    "recovery_threshold": int,
    "recovery_pgp_keys": list,
    "root_token_pgp_key": str,
}


def seal_status_view(core: Core, status: SealStatus) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": status.type,
        "initialized": status.initialized,
        "sealed": status.sealed,
        "t": status.threshold,
        "n": status.shares,
        "progress": status.progress,
        "nonce": status.nonce,
        "recovery_seal": status.recovery_seal,
        **({"recovery_seal_type": "shamir"} if status.recovery_seal else {}),
        "version": VAULT_API_VERSION,
        "build_date": build_date(),
        "migration": status.migration,
    }
    if not status.sealed:
        view["cluster_name"] = status.cluster_name
        view["cluster_id"] = status.cluster_id
    view["storage_type"] = core.config.storage_type
    return view


async def init_handler(request: web.Request, core: Core, body: bytes) -> web.StreamResponse:
    if request.method == "GET":
        return json_response(200, {"initialized": await core.initialized()})
    fields = decode_struct(loads_body(body), "http.InitRequest", _INIT_FIELDS)
    if core.ceremony.auto is not None:  # recovery keys (http/sys_recovery.py)
        return await auto_init(core, fields)
    not_applicable = [
        name for name in ("recovery_shares", "recovery_threshold") if fields[name]
    ] + (["recovery_pgp_keys"] if fields["recovery_pgp_keys"] else [])
    if not_applicable:
        raise InvalidRequest(
            f"parameters {', '.join(not_applicable)} not applicable to seal type shamir"
        )
    config = SealConfig("shamir", fields["secret_shares"], fields["secret_threshold"])
    try:
        config.validate()
    except InvalidRequest as exc:
        raise InvalidRequest(f"invalid seal configuration: {exc}") from None
    if fields["pgp_keys"] and len(fields["pgp_keys"]) != config.secret_shares:
        raise InvalidRequest(
            "invalid seal configuration: count mismatch between number of provided PGP keys "
            "and number of shares"
        )
    if await core.initialized():
        raise InvalidRequest("Vault is already initialized")
    pgp_keys = init_pgp_keys(fields["pgp_keys"], fields["root_token_pgp_key"])
    result = await core.initialize(config.secret_shares, config.secret_threshold)
    return json_response(200, init_answer(result.keys, result.root_token, pgp_keys))


async def seal_status_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    return json_response(200, seal_status_view(core, await core.seal_status()))


async def unseal_handler(request: web.Request, core: Core, body: bytes) -> web.StreamResponse:
    fields = decode_struct(
        loads_body(body), "http.UnsealRequest", {"key": str, "reset": bool, "migrate": bool}
    )
    status = await core.unseal(fields["key"], reset=fields["reset"], migrate=fields["migrate"])
    return json_response(200, seal_status_view(core, status))


_HEALTH_CODES = ("activecode", "standbycode", "sealedcode", "uninitcode",
                 "drsecondarycode", "performancestandbycode", "removedcode", "haunhealthycode")
_DEFAULT_CODES: dict[str, int | None] = {
    "activecode": 200, "standbycode": 429, "sealedcode": 503, "uninitcode": 501,
    "drsecondarycode": 472, "performancestandbycode": 473, "removedcode": 530,
    "haunhealthycode": 474}


def _health_code(request: web.Request, name: str) -> int | None:
    """The override for ``name``; None if the value is not a number (→ 400)."""
    raw = request.query.get(name)
    if raw is None:
        return _DEFAULT_CODES[name]
    try:
        code = int(raw)
    except ValueError:
        return None
    return code if 100 <= code <= 999 else None


def _query_bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return False
    if raw in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if raw in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    return None


async def health_handler(request: web.Request, core: Core, body: bytes) -> web.StreamResponse:
    codes: dict[str, int | None] = _DEFAULT_CODES
    standby_ok: bool | None = False
    if request.query:  # load balancers poll without one: skip the parsing then
        codes = {name: _health_code(request, name) for name in _HEALTH_CODES}
        standby_ok = _query_bool(request, "standbyok")
        perf_ok = _query_bool(request, "perfstandbyok")
        if any(code is None for code in codes.values()) or standby_ok is None or perf_ok is None:
            return error_response(400, [])
    initialized = await core.initialized()
    sealed = core.sealed
    # Vault reports a sealed node as standby too; an unsealed one is standby
    # unless it holds the HA lock.
    standby = sealed or core.standby
    if not initialized:
        status = codes["uninitcode"]
    elif sealed:
        status = codes["sealedcode"]
    elif standby and not standby_ok:
        status = codes["standbycode"]
    else:
        status = codes["activecode"]
    assert status is not None
    view: dict[str, Any] = {
        "initialized": initialized,
        "sealed": sealed,
        "standby": standby,
        "performance_standby": False,
        "replication_performance_mode": "unknown" if sealed else "disabled",
        "replication_dr_mode": "unknown" if sealed else "disabled",
        "server_time_utc": int(core.clock.now()),
        "version": VAULT_API_VERSION,
        "enterprise": False,
    }
    if not sealed:
        view["cluster_name"] = core.cluster_name
        view["cluster_id"] = core.cluster_id
    if request.method == "HEAD" or status == 204:
        return empty_response(status)
    return json_response(status, view)


async def leader_handler(request: web.Request, core: Core, body: bytes) -> web.StreamResponse:
    """Vault's sys/leader: who is active; works on standbys, refused while sealed."""
    if core.ha is None:
        return json_response(200, {"ha_enabled": False})
    if core.sealed:
        return error_response(503, ["Vault is sealed"])
    leader = await core.ha.leader()
    view: dict[str, Any] = {"ha_enabled": True, "is_self": leader.is_self}
    if leader.is_self and leader.active_since is not None:
        view["active_time"] = rfc3339(leader.active_since)
    view["leader_address"] = leader.api_addr
    view["leader_cluster_address"] = leader.cluster_addr
    return json_response(200, view)


# path → (allowed methods, handler). Anything else under these paths is 405.
RAW_ROUTES: dict[str, tuple[frozenset[str], RawHandler]] = {
    "sys/init": (frozenset({"GET", "PUT", "POST"}), init_handler),
    "sys/seal-status": (frozenset({"GET"}), seal_status_handler),
    "sys/unseal": (frozenset({"PUT", "POST"}), unseal_handler),
    "sys/health": (frozenset({"GET", "HEAD"}), health_handler),
    "sys/leader": (frozenset({"GET"}), leader_handler),
}
RAW_ROUTES.update(CEREMONY_ROUTES)  # sys/rekey/*, sys/generate-root*/*
RAW_ROUTES.update(RECOVERY_ROUTES)  # sys/rekey-recovery-key/*, recovery key backup
