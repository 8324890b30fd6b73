"""Build Vault-shaped audit entries (``type``, ``time``, ``auth``, ``request``,
``response``, ``error``) from the pipeline's values.

The layout was taken from OpenBao 2.7.2's file device for the same requests; it
is Vault's ``audit.RequestEntry`` / ``ResponseEntry``. Keys are emitted in the
reference's order so a diff of two logs is readable.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from pyvault.audit.hashing import Hasher, hash_structure
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.policy.acl import AuthResult
from pyvault.token.entry import TokenEntry
from pyvault.util.clock import rfc3339

RUNNING_VERSION = "v0.1.0+builtin.pyvault"
_ROOT_NAMESPACE = {"id": "root"}


@dataclass(slots=True)
class AuditTrail:
    """What the pipeline learnt about one request, filled in as it goes.

    ``routed`` and ``token`` stay ``None`` when the request failed before
    routing or authentication; the entry then carries less, as Vault's does.
    """

    request: Request
    routed: Request | None = None
    token: TokenEntry | None = None
    # The ACL's answer for ``token`` (None: no ACL check ran, e.g. a login path).
    policy: AuthResult | None = None
    request_logged: bool = False
    # The request entry was written without an error: the request got past the
    # token and ACL checks (with no token: it was on an unauthenticated path).
    passed: bool = False
    # Request headers the operator asked to audit: lower-cased name → (values, hmac).
    headers: dict[str, tuple[list[str], bool]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class FormatOptions:
    hasher: Hasher
    hmac_accessor: bool = True
    elide_list_responses: bool = False


def client_id(policies: list[str]) -> str:
    """Vault's client ID of a token without an entity: sorted policies and the
    namespace, NUL-separated, SHA-256, base64 (``CreateClientID``)."""
    joined = "\x00".join(sorted(policies)) + "\x00" + "root"
    return base64.b64encode(hashlib.sha256(joined.encode()).digest()).decode()


def _accessor(value: str, opts: FormatOptions) -> str:
    return opts.hasher(value) if opts.hmac_accessor else value


def _auth_section(trail: AuditTrail, opts: FormatOptions) -> dict[str, Any]:
    token = trail.token
    if token is None:
        if not _open_path(trail):
            return {"token_type": "default"}
        # An unauthenticated path (a login): allowed without a token, as Vault logs it.
        sent: dict[str, Any] = {}
        if trail.request.client_token:
            sent["client_token"] = opts.hasher(trail.request.client_token)
        return {**sent, "policy_results": {"allowed": True}, "token_type": "default"}
    auth: dict[str, Any] = {}
    if trail.request.client_token:
        auth["client_token"] = opts.hasher(trail.request.client_token)
    auth["accessor"] = _accessor(token.accessor, opts)
    auth["display_name"] = token.display_name
    auth["policies"] = list(token.policies)
    auth["token_policies"] = list(token.policies)
    if token.meta:
        auth["metadata"] = dict(token.meta)
    if token.entity_id:
        auth["entity_id"] = token.entity_id
    auth["policy_results"] = _policy_results(trail.policy)
    auth["token_type"] = token.token_type
    if token.ttl:
        auth["token_ttl"] = token.ttl
    auth["token_issue_time"] = rfc3339(int(token.creation_time)).split(".")[0] + "Z"
    return auth


def _policy_results(result: AuthResult | None) -> dict[str, Any]:
    """Vault's ``policy_results``: the policies that granted the capability the
    request needed (not every policy of the token); a refusal lists none, and a
    request no ACL check ran for (a login path) says only ``allowed``."""
    if result is None:
        return {"allowed": True}
    if not result.allowed:
        return {"allowed": False}
    section: dict[str, Any] = {"allowed": True}
    if result.granting_policies:
        section["granting_policies"] = [
            {"name": name, "namespace_id": "root", "type": "acl"}
            for name in result.granting_policies
        ]
    return section


def _open_path(trail: AuditTrail) -> bool:
    """A routed request that got through without a token."""
    return trail.token is None and trail.passed and trail.routed is not None


def _login(trail: AuditTrail) -> bool:
    """A request on an auth method's unauthenticated path (no ACL check ran)."""
    return (trail.passed and trail.policy is None and trail.routed is not None
            and trail.routed.mount_point.startswith("auth/"))


def _allowed(trail: AuditTrail) -> bool:
    """A token that passed its ACL check, or an unauthenticated path (the reference
    names the mount accessor only then)."""
    if trail.token is None:
        return _open_path(trail)
    return trail.policy is None or trail.policy.allowed


def _mount_class(mount_point: str) -> str:
    return "auth" if mount_point.startswith("auth/") else "secret"


def _request_section(
    trail: AuditTrail, opts: FormatOptions, *, for_response: bool
) -> dict[str, Any]:
    original, routed, token = trail.request, trail.routed, trail.token
    section: dict[str, Any] = {"id": original.request_id}
    if token is not None:
        section["client_id"] = client_id(token.policies)
    section["operation"] = str((routed or original).operation)
    if routed is not None:
        section["mount_point"] = routed.mount_point
        section["mount_type"] = routed.mount_type
        # The reference leaves the accessor out of the request entry of reads and
        # lists, and out of entries for requests it refused.
        reading = routed.operation in (Operation.READ, Operation.LIST)
        if _allowed(trail) and (for_response or not reading):
            section["mount_accessor"] = routed.mount_accessor
        section["mount_running_version"] = RUNNING_VERSION
        section["mount_class"] = _mount_class(routed.mount_point)
    if original.client_token:
        section["client_token"] = opts.hasher(original.client_token)
    if token is not None:
        section["client_token_accessor"] = _accessor(token.accessor, opts)
    section["namespace"] = dict(_ROOT_NAMESPACE)
    section["path"] = original.path
    if original.data:
        section["data"] = hash_structure(original.data, opts.hasher)
    if trail.headers:
        section["headers"] = {
            name: [opts.hasher(v) if hmac else v for v in values]
            for name, (values, hmac) in trail.headers.items()
        }
    section["remote_address"] = original.connection.remote_addr
    section["remote_port"] = original.connection.remote_port
    if original.wrap_ttl:
        section["wrap_ttl"] = original.wrap_ttl
    return section


def request_entry(
    trail: AuditTrail, opts: FormatOptions, now: float, error: str = ""
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "time": rfc3339(now),
        "type": "request",
        "auth": _auth_section(trail, opts),
        "request": _request_section(trail, opts, for_response=False),
    }
    if error:
        entry["error"] = error
    return entry


def _elide(data: dict[str, Any]) -> dict[str, Any]:
    """``elide_list_responses``: list answers keep only how many keys they had."""
    elided = dict(data)
    for key in ("keys", "key_info"):
        if isinstance(elided.get(key), (list, dict)):
            elided[key] = len(elided[key])
    return elided


def _response_auth(response: Response, opts: FormatOptions) -> dict[str, Any]:
    auth = response.auth
    assert auth is not None
    section: dict[str, Any] = {
        "client_token": opts.hasher(auth.client_token),
        "accessor": _accessor(auth.accessor, opts),
        # A login's auth names the issued token as the token store does ("up-bob").
        "display_name": getattr(auth, "display_name", "") or "token",
        "policies": list(auth.policies),
        "token_policies": list(auth.token_policies),
    }
    if auth.metadata:
        section["metadata"] = dict(auth.metadata)
    if auth.entity_id:
        section["entity_id"] = auth.entity_id
    section["token_type"] = auth.token_type
    if auth.lease_duration:
        section["token_ttl"] = auth.lease_duration
    return section


def _response_section(
    trail: AuditTrail, response: Response | None, opts: FormatOptions, detail: str
) -> dict[str, Any]:
    section: dict[str, Any] = {}
    routed = trail.routed
    if response is not None and response.auth is not None:
        section["auth"] = _response_auth(response, opts)
    if routed is not None:
        section["mount_point"] = routed.mount_point
        section["mount_type"] = routed.mount_type
        if _allowed(trail):
            section["mount_accessor"] = routed.mount_accessor
        section["mount_running_plugin_version"] = RUNNING_VERSION
        section["mount_class"] = _mount_class(routed.mount_point)
    if response is not None and response.secret is not None and response.secret.lease_id:
        section["secret"] = {"lease_id": response.secret.lease_id}
    if response is not None and response.data is not None and response.raw_body is None:
        data = response.data
        if opts.elide_list_responses and (routed or trail.request).operation is Operation.LIST:
            data = _elide(data)
        section["data"] = hash_structure(data, opts.hasher)
    elif detail:
        section["data"] = {"error": opts.hasher(detail)}
    if response is not None and response.warnings:
        section["warnings"] = list(response.warnings)
    if response is not None and response.wrap_info is not None:
        info = response.wrap_info
        wrap: dict[str, Any] = {
            "ttl": info.ttl,
            "token": opts.hasher(info.token),
            "accessor": _accessor(info.accessor, opts),
            "creation_time": info.creation_time,
            "creation_path": info.creation_path,
        }
        if info.wrapped_accessor:
            wrap["wrapped_accessor"] = _accessor(info.wrapped_accessor, opts)
        section["wrap_info"] = wrap
    return section


def response_entry(
    trail: AuditTrail,
    response: Response | None,
    opts: FormatOptions,
    now: float,
    error: str = "",
    detail: str | None = None,
) -> dict[str, Any]:
    """``error`` is logged as is; ``detail`` (default: ``error``; "" for none) is the
    backend's own message, hashed under ``response.data.error`` as Vault's."""
    if _login(trail):  # as Vault's: the login's answer is the entry's auth
        auth = (_response_auth(response, opts) if response is not None and response.auth
                else {"token_type": "default"})
    else:
        auth = _auth_section(trail, opts)
    entry: dict[str, Any] = {
        "time": rfc3339(now),
        "type": "response",
        "auth": auth,
        "request": _request_section(trail, opts, for_response=True),
        "response": _response_section(trail, response, opts,
                                      error if detail is None else detail),
    }
    if error:
        entry["error"] = error
    return entry


def raw_response_entry(
    trail: AuditTrail,
    body: Any,
    headers: dict[str, list[str]],
    opts: FormatOptions,
    now: float,
) -> dict[str, Any]:
    """The response entry of a raw sys endpoint (sys/rekey/*, sys/generate-root/*):
    OpenBao logs the HTTP answer itself — its JSON body (an error body too, so no
    ``error`` key) under ``data`` and the headers the handler set."""
    response: dict[str, Any] = {}
    if body is not None:
        response["data"] = hash_structure(body, opts.hasher)
    response["headers"] = {name: list(values) for name, values in headers.items()}
    return {
        "time": rfc3339(now),
        "type": "response",
        "auth": _auth_section(trail, opts),
        "request": _request_section(trail, opts, for_response=True),
        "response": response,
    }


def test_entry(now: float) -> dict[str, Any]:
    """What a new device must accept before it is enabled (Vault's test message)."""
    return {
        "time": rfc3339(now),
        "type": "request",
        "auth": {"token_type": "default"},
        "request": {"id": "", "operation": "update", "namespace": dict(_ROOT_NAMESPACE),
                    "path": "sys/audit/test"},
    }
