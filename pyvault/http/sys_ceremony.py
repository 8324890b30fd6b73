"""Rekey and root generation over HTTP: sys/rekey/*, sys/generate-root/* and
OpenBao's authenticated sys/generate-root-token/* (what the bao CLI calls).

The unauthenticated paths are raw, like Vault's: the shares are the credential.
A listener with ``disable_unauthed_rekey_endpoints`` / ``..._generate_root_...``
set answers them 405, as OpenBao does. sys/rekey/backup and
sys/generate-root-token/* need a token with sudo on the path.
"""

from __future__ import annotations

import base64
import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from pyvault.core.core import Core
from pyvault.core.rekey import RekeyRequest
from pyvault.core.root_rotation import go_duration
from pyvault.core.share_progress import decode_share
from pyvault.crypto import pgp
from pyvault.http import raw_audit
from pyvault.http.envelope import empty_response, error_response, json_response
from pyvault.http.godecode import decode_struct
from pyvault.http.jsonio import loads_body
from pyvault.http.logical import build_request
from pyvault.http.raw_audit import audit_logical, audit_raw
from pyvault.logical.envelope import envelope
from pyvault.logical.errors import (
    InvalidRequest,
    PermissionDenied,
    Sealed,
    UnsupportedOperation,
    UnsupportedPath,
    multierror,
)
from pyvault.logical.response import Response
from pyvault.util.durations import parse_duration

_REKEY_FIELDS: dict[str, type] = {
    "secret_shares": int,
    "secret_threshold": int,
    "stored_shares": int,
    "pgp_keys": list,
    "backup": bool,
    "require_verification": bool,
}
_KEY_FIELDS: dict[str, type] = {"key": str, "nonce": str}
_READ_WRITE = frozenset({"GET", "PUT", "POST", "DELETE"})
_WRITE = frozenset({"PUT", "POST"})
# Every method reaches the handlers, which answer in Vault's order (sealed first).
_ANY = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "LIST", "SCAN", "OPTIONS"})
_NONCE_FIELDS: dict[str, type] = {"nonce": str}
_ROOT_FIELDS: dict[str, type] = {"otp": str, "pgp_key": str}


def _unauthed_allowed(request: web.Request, option: str) -> None:
    from pyvault.http.app import LISTENER  # app imports this module's routes

    if getattr(request.app[LISTENER], option, False):
        raise UnsupportedOperation()


def _unsealed(core: Core) -> None:
    if core.sealed:
        raise Sealed()


def _raw_methods(request: web.Request, allowed: frozenset[str]) -> web.Response | None:
    """Vault's raw handlers answer a method they lack with 405 and no message — after
    the sealed check, so a sealed vault says 503 whatever the method."""
    return None if request.method in allowed else error_response(405, [])


def _logical_methods(request: web.Request, allowed: frozenset[str]) -> None:
    """What OpenBao's logical sys paths say to a method they lack."""
    if request.method == "LIST":
        raise UnsupportedPath(multierror("unsupported path"))
    if request.method not in allowed:
        raise UnsupportedOperation(multierror("unsupported operation"))


def _cancel_nonce(request: web.Request, body: bytes) -> str:
    """The nonce of a DELETE: in the JSON body, or as ``?nonce=``."""
    fields = decode_struct(loads_body(body) if body.strip() else None,
                           "http.RekeyCancelRequest", _NONCE_FIELDS)
    return str(fields["nonce"] or request.query.get("nonce", ""))


async def _cancel_authority(
    request: web.Request, core: Core, path: str, body: bytes
) -> tuple[str, bool]:
    """(nonce, authorized): a caller without the nonce may still cancel with a token
    that has sudo on ``path`` — the advisories are about *unauthenticated* cancels, and
    the bao CLI's ``-cancel`` sends its token but never the nonce."""
    nonce = _cancel_nonce(request, body)
    if nonce or not request.headers.get("X-Vault-Token"):
        return nonce, False
    try:
        await _authorized(request, core, path, body)
    except PermissionDenied:
        return nonce, False
    return nonce, True


async def _authorized(
    request: web.Request, core: Core, path: str, body: bytes, *, sudo: bool = True
) -> str:
    """Check the caller's token like the pipeline does (a sudo path unless ``sudo`` is
    False); returns a request id."""
    _unsealed(core)
    request_id = str(uuid.uuid4())
    logical = build_request(request, path, body, request_id)
    entry = await core.tokens.lookup(logical.client_token) if logical.client_token else None
    if entry is None or not await core.tokens.use(entry):
        raise PermissionDenied()
    try:
        await raw_audit.checking(core, entry, logical, path)  # audit_logical's request entry
        await core.authorize(entry, logical, path, sudo)
    finally:
        await core.tokens.release(entry)
    return request_id


# ---- sys/rekey/* -------------------------------------------------------------------------


async def rekey_init_handler(request: web.Request, core: Core, body: bytes) -> web.StreamResponse:
    _unauthed_allowed(request, "disable_unauthed_rekey_endpoints")
    _unsealed(core)
    if (refused := _raw_methods(request, _READ_WRITE)) is not None:
        return refused
    if request.method == "GET":
        return json_response(200, await core.rekey.status())
    if request.method == "DELETE":
        nonce, authorized = await _cancel_authority(request, core, "sys/rekey/init", body)
        await core.rekey.cancel(nonce, authorized=authorized)
        return empty_response(204)
    fields = decode_struct(loads_body(body), "http.RekeyRequest", _REKEY_FIELDS)
    return json_response(200, await core.rekey.start(RekeyRequest(
        secret_shares=fields["secret_shares"], secret_threshold=fields["secret_threshold"],
        pgp_keys=fields["pgp_keys"], backup=fields["backup"],
        require_verification=fields["require_verification"],
    )))


async def rekey_update_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    _unauthed_allowed(request, "disable_unauthed_rekey_endpoints")
    _unsealed(core)
    fields = decode_struct(loads_body(body), "http.RekeyUpdateRequest", _KEY_FIELDS)
    key = decode_share(fields["key"])
    return json_response(200, await core.rekey.update(key, fields["nonce"]))


async def rekey_verify_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    _unauthed_allowed(request, "disable_unauthed_rekey_endpoints")
    _unsealed(core)
    if (refused := _raw_methods(request, _READ_WRITE)) is not None:
        return refused
    if request.method == "GET":
        return json_response(200, core.rekey.verify_status())
    if request.method == "DELETE":
        return json_response(200, await core.rekey.verify_cancel())
    fields = decode_struct(loads_body(body), "http.RekeyVerificationUpdateRequest", _KEY_FIELDS)
    key = decode_share(fields["key"])
    return json_response(200, await core.rekey.verify_update(key, fields["nonce"]))


async def rekey_backup_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    """The PGP-encrypted shares of the last rekey that asked for a backup."""
    request_id = await _authorized(request, core, "sys/rekey/backup", body)
    _logical_methods(request, frozenset({"GET", "DELETE"}))
    if request.method == "DELETE":
        await core.rekey.delete_backup()
        return empty_response(204)
    backup = await core.rekey.read_backup()
    return json_response(200, envelope(Response(data=backup), request_id))


# ---- sys/generate-root/* -----------------------------------------------------------------


async def _root_attempt(
    request: web.Request, core: Core, body: bytes, *, authorized: bool
) -> dict[str, Any] | None:
    if request.method == "GET":
        return await core.root_generation.status()
    if request.method == "DELETE":
        nonce = _cancel_nonce(request, body)
        if not authorized and not nonce:
            nonce, authorized = await _cancel_authority(
                request, core, "sys/generate-root/attempt", body
            )
        await core.root_generation.cancel(nonce, authorized=authorized)
        return None
    fields = decode_struct(loads_body(body), "http.GenerateRootInitRequest", _ROOT_FIELDS)
    return await core.root_generation.start(fields["otp"], fields["pgp_key"])


async def _root_update(core: Core, body: bytes) -> dict[str, Any]:
    fields = decode_struct(loads_body(body), "http.GenerateRootUpdateRequest", _KEY_FIELDS)
    key = decode_share(fields["key"])
    return await core.root_generation.update(key, fields["nonce"])


async def generate_root_attempt_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    _unauthed_allowed(request, "disable_unauthed_generate_root_endpoints")
    _unsealed(core)
    if (refused := _raw_methods(request, _READ_WRITE)) is not None:
        return refused
    view = await _root_attempt(request, core, body, authorized=False)
    return empty_response(204) if view is None else json_response(200, view)


async def generate_root_update_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    _unauthed_allowed(request, "disable_unauthed_generate_root_endpoints")
    _unsealed(core)
    return json_response(200, await _root_update(core, body))


def _token_view(view: dict[str, Any]) -> dict[str, Any]:
    """OpenBao's logical paths leave out the empty encoded-token fields."""
    return {k: v for k, v in view.items()
            if not (k in ("encoded_token", "encoded_root_token") and not v)}


async def generate_root_token_attempt_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    request_id = await _authorized(request, core, "sys/generate-root-token/attempt", body)
    _logical_methods(request, _READ_WRITE)
    view = await _root_attempt(request, core, body, authorized=True)
    if view is None:
        return empty_response(204)
    return json_response(200, envelope(Response(data=_token_view(view)), request_id))


async def generate_root_token_update_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    request_id = await _authorized(request, core, "sys/generate-root-token/update", body)
    _logical_methods(request, _WRITE)
    view = await _root_update(core, body)
    return json_response(200, envelope(Response(data=_token_view(view)), request_id))


# ---- sys/init with PGP -------------------------------------------------------------------


def init_pgp_keys(
    pgp_keys: list[str], root_token_pgp_key: str
) -> tuple[list[pgp.PublicKey], pgp.PublicKey | None]:
    """Parse the operators' keys *before* anything is created: a bad key must not
    leave an initialised vault whose shares nobody received."""
    try:
        shares = pgp.parse_all(pgp_keys)
    except pgp.PGPKeyError as exc:
        raise InvalidRequest(f"invalid seal configuration: {exc}") from None
    try:
        root = pgp.parse_public_key(root_token_pgp_key) if root_token_pgp_key else None
    except pgp.PGPKeyError as exc:
        raise InvalidRequest(str(exc)) from None
    return shares, root


def init_answer(
    shares: list[bytes], root_token: str,
    keys: tuple[list[pgp.PublicKey], pgp.PublicKey | None],
) -> dict[str, Any]:
    """sys/init's answer; with PGP keys the shares (hex text) and the root token are
    encrypted, and ``root_token`` becomes the base64 of the encrypted token."""
    share_keys, root_key = keys
    if share_keys:
        shares = pgp.encrypt_shares(shares, share_keys)
    if root_key is not None:
        root_token = base64.b64encode(pgp.encrypt(root_key, root_token.encode())).decode()
    return {
        "keys": [share.hex() for share in shares],
        "keys_base64": [base64.b64encode(share).decode() for share in shares],
        "root_token": root_token,
    }


# ---- sys/rotate/root, sys/rotate/config --------------------------------------------------


async def rotate_root_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    await _authorized(request, core, "sys/rotate/root", body)
    _logical_methods(request, _WRITE)
    await core.rotation.rotate_root()
    return empty_response(204)


def _field_error(name: str, value: object, kind: str) -> InvalidRequest:
    return InvalidRequest(
        f'Field validation failed: error converting input for field "{name}": '
        f"'{value}' cannot parse value as '{kind}'"
    )


async def rotate_config_handler(
    request: web.Request, core: Core, body: bytes
) -> web.StreamResponse:
    request_id = await _authorized(request, core, "sys/rotate/config", body)
    _logical_methods(request, frozenset({"GET", "PUT", "POST"}))
    current = await core.rotation.read_config()
    if request.method == "GET":
        data = {"enabled": current.enabled, "max_operations": current.max_operations,
                "interval": go_duration(current.interval) if current.interval else 0}
        return json_response(200, envelope(Response(data=data), request_id))
    fields = loads_body(body) if body.strip() else {}
    if not isinstance(fields, dict):
        raise InvalidRequest("failed to parse JSON input: expected an object")
    changes: dict[str, Any] = {}
    if fields.get("enabled") is not None:
        enabled = fields["enabled"]
        if isinstance(enabled, str) and enabled.lower() in ("true", "false", "1", "0"):
            enabled = enabled.lower() in ("true", "1")
        if not isinstance(enabled, bool):
            raise _field_error("enabled", enabled, "bool")
        changes["enabled"] = enabled
    if fields.get("max_operations") is not None:
        raw = fields["max_operations"]
        try:
            changes["max_operations"] = int(str(raw), 10) if not isinstance(raw, bool) else None
        except ValueError:
            raise _field_error("max_operations", raw, "int64") from None
        if changes["max_operations"] is None:
            raise _field_error("max_operations", raw, "int64")
    if fields.get("interval") is not None:
        try:
            changes["interval"] = parse_duration(fields["interval"])
        except (TypeError, ValueError):
            raise _field_error("interval", fields["interval"], "duration") from None
    await core.rotation.write_config(dataclasses.replace(current, **changes))
    return empty_response(204)


CeremonyHandler = Callable[[web.Request, Core, bytes], Awaitable[web.StreamResponse]]
# audit_raw / audit_logical (http/raw_audit.py): audited as the reference's; wrap new
# routes too (unauthenticated → audit_raw; token-checked via _authorized → audit_logical).
CEREMONY_ROUTES: dict[str, tuple[frozenset[str], CeremonyHandler]] = {
    "sys/rekey/init": (_ANY, audit_raw(rekey_init_handler)),
    "sys/rekey/update": (_ANY, audit_raw(rekey_update_handler)),
    "sys/rekey/verify": (_ANY, audit_raw(rekey_verify_handler)),
    "sys/rekey/backup": (_ANY, audit_logical(rekey_backup_handler)),
    "sys/generate-root/attempt": (_ANY, audit_raw(generate_root_attempt_handler)),
    "sys/generate-root/update": (_ANY, audit_raw(generate_root_update_handler)),
    "sys/generate-root-token/attempt": (_ANY, audit_logical(generate_root_token_attempt_handler)),
    "sys/generate-root-token/update": (_ANY, audit_logical(generate_root_token_update_handler)),
    "sys/rotate/root": (_ANY, audit_logical(rotate_root_handler)),
    "sys/rotate/config": (_ANY, audit_logical(rotate_config_handler)),
}
