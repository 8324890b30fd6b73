"""Auto-seal ceremonies over HTTP: sys/init with recovery keys,
sys/rekey-recovery-key/* and sys/rekey/recovery-key-backup.

Under an auto seal the operators hold recovery keys; these paths hand them out and
replace them. With the Shamir seal the recovery rekey paths do not exist (404, as
the reference answers); the recovery backup path exists and is simply empty.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyvault.core.core import Core
from pyvault.core.rekey import Rekey, RekeyRequest
from pyvault.core.seal_config import SealConfig
from pyvault.core.share_progress import decode_share
from pyvault.http.envelope import empty_response, error_response, json_response
from pyvault.http.godecode import decode_struct
from pyvault.http.jsonio import loads_body
from pyvault.http.raw_audit import audit_logical, audit_raw
from pyvault.http.sys_ceremony import (
    _KEY_FIELDS,
    _READ_WRITE,
    _REKEY_FIELDS,
    CeremonyHandler,
    _authorized,
    _cancel_authority,
    _logical_methods,
    _raw_methods,
    _unauthed_allowed,
    _unsealed,
    init_answer,
    init_pgp_keys,
)
from pyvault.logical.envelope import envelope
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.response import Response

_ANY = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "LIST", "SCAN", "OPTIONS"})


async def auto_init(core: Core, fields: dict[str, Any]) -> web.StreamResponse:
    """sys/init under an auto seal: recovery keys instead of unseal keys; the checks
    in the reference's order, with its words."""
    not_applicable = [name for name in ("secret_shares", "secret_threshold") if fields[name]]
    not_applicable += ["pgp_keys"] if fields["pgp_keys"] else []
    if not_applicable:
        raise InvalidRequest(
            f"parameters {','.join(not_applicable)} not applicable to seal type "
            f"{core.ceremony.seal_type}"
        )
    recovery = SealConfig("shamir", fields["recovery_shares"], fields["recovery_threshold"])
    try:
        recovery.validate_recovery()
    except InvalidRequest as exc:
        raise InvalidRequest(f"invalid recovery configuration: {exc}") from None
    if fields["recovery_pgp_keys"] and len(fields["recovery_pgp_keys"]) != recovery.secret_shares:
        raise InvalidRequest(
            "invalid recovery configuration: count mismatch between number of provided PGP "
            "keys and number of shares"
        )
    if await core.initialized():
        raise InvalidRequest("Vault is already initialized")
    keys = init_pgp_keys(fields["recovery_pgp_keys"], fields["root_token_pgp_key"])
    result = await core.initialize(
        0, 0, recovery_shares=recovery.secret_shares,
        recovery_threshold=recovery.secret_threshold,
    )
    answer = init_answer(result.recovery_keys, result.root_token, keys)
    body: dict[str, Any] = {"keys": [], "keys_base64": []}
    if result.recovery_keys:
        body["recovery_keys"] = answer["keys"]
        body["recovery_keys_base64"] = answer["keys_base64"]
    body["root_token"] = answer["root_token"]
    return json_response(200, body)


def _recovery_rekey(request: web.Request, core: Core) -> Rekey | None:
    """The recovery rekey, or None where the path does not exist (Shamir seal);
    then the checks every recovery-rekey endpoint makes, in the reference's order."""
    if core.ceremony.auto is None:
        return None
    _unauthed_allowed(request, "disable_unauthed_rekey_endpoints")
    _unsealed(core)
    return core.rekey.recovery


def _no_such_path() -> web.Response:
    return error_response(404, ["unsupported path"])


async def recovery_init_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    rekey = _recovery_rekey(request, core)
    if rekey is None:
        return _no_such_path()
    if (refused := _raw_methods(request, _READ_WRITE)) is not None:
        return refused
    if request.method == "GET":
        return json_response(200, await rekey.status())
    if request.method == "DELETE":
        nonce, authorized = await _cancel_authority(
            request, core, "sys/rekey-recovery-key/init", body
        )
        await rekey.cancel(nonce, authorized=authorized)
        return empty_response(204)
    fields = decode_struct(loads_body(body), "http.RekeyRequest", _REKEY_FIELDS)
    return json_response(200, await rekey.start(RekeyRequest(
        secret_shares=fields["secret_shares"], secret_threshold=fields["secret_threshold"],
        pgp_keys=fields["pgp_keys"], backup=fields["backup"],
        require_verification=fields["require_verification"],
    )))


async def recovery_update_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    rekey = _recovery_rekey(request, core)
    if rekey is None:
        return _no_such_path()
    fields = decode_struct(loads_body(body), "http.RekeyUpdateRequest", _KEY_FIELDS)
    key = decode_share(fields["key"])
    return json_response(200, await rekey.update(key, fields["nonce"]))


async def recovery_verify_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    rekey = _recovery_rekey(request, core)
    if rekey is None:
        return _no_such_path()
    if (refused := _raw_methods(request, _READ_WRITE)) is not None:
        return refused
    if request.method == "GET":
        try:
            return json_response(200, rekey.verify_status())
        except InvalidRequest:
            status = await rekey.status()
            if not status["started"]:
                raise
            # A rekey not yet finished: the reference shows an idle verification.
            return json_response(200, {"nonce": "", "started": False, "t": status["t"],
                                       "n": status["n"], "progress": 0})
    if request.method == "DELETE":
        return json_response(200, await rekey.verify_cancel())
    fields = decode_struct(loads_body(body), "http.RekeyVerificationUpdateRequest", _KEY_FIELDS)
    key = decode_share(fields["key"])
    return json_response(200, await rekey.verify_update(key, fields["nonce"]))


async def recovery_backup_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    """The PGP-encrypted recovery shares of the last recovery rekey with a backup.
    Unlike sys/rekey/backup the reference does not make this a sudo path."""
    request_id = await _authorized(request, core, "sys/rekey/recovery-key-backup", body,
                                   sudo=False)
    _logical_methods(request, frozenset({"GET", "DELETE"}))
    rekey = core.rekey.recovery
    assert rekey is not None
    if request.method == "DELETE":
        await rekey.delete_backup()
        return empty_response(204)
    return json_response(200, envelope(Response(data=await rekey.read_backup()), request_id))


RECOVERY_ROUTES: dict[str, tuple[frozenset[str], CeremonyHandler]] = {
    "sys/rekey-recovery-key/init": (_ANY, audit_raw(recovery_init_handler)),
    "sys/rekey-recovery-key/update": (_ANY, audit_raw(recovery_update_handler)),
    "sys/rekey-recovery-key/verify": (_ANY, audit_raw(recovery_verify_handler)),
    "sys/rekey/recovery-key-backup": (_ANY, audit_logical(recovery_backup_handler)),
}
