"""Vault's JSON response envelope as plain data (the HTTP layer only serialises it;
response wrapping stores it)."""

from __future__ import annotations

from typing import Any

from pyvault.logical.response import Auth, Response, WrapInfo


def auth_view(auth: Auth) -> dict[str, Any]:
    return {
        "client_token": auth.client_token,
        "accessor": auth.accessor,
        "policies": auth.policies,
        "token_policies": auth.token_policies,
        **({"identity_policies": auth.identity_policies} if auth.identity_policies else {}),
        "metadata": auth.metadata,
        "lease_duration": auth.lease_duration,
        "renewable": auth.renewable,
        "entity_id": auth.entity_id,
        "token_type": auth.token_type,
        "orphan": auth.orphan,
        "mfa_requirement": auth.mfa_requirement,
        "num_uses": auth.num_uses,
    }


def wrap_view(wrap: WrapInfo) -> dict[str, Any]:
    view: dict[str, Any] = {
        "token": wrap.token,
        "accessor": wrap.accessor,
        "ttl": wrap.ttl,
        "creation_time": wrap.creation_time,
        "creation_path": wrap.creation_path,
    }
    if wrap.wrapped_accessor:
        view["wrapped_accessor"] = wrap.wrapped_accessor
    return view


def envelope(response: Response, request_id: str) -> dict[str, Any]:
    secret = response.secret
    body: dict[str, Any] = {}
    if response.legacy_top_level and response.data:
        body.update(response.data)
    body.update(
        {
            # A wrapped response has no request id of its own (Vault's behaviour).
            "request_id": "" if response.wrap_info is not None else request_id,
            "lease_id": secret.lease_id if secret else "",
            "renewable": secret.renewable if secret else False,
            "lease_duration": secret.lease_duration if secret else 0,
            "data": response.data,
            "wrap_info": wrap_view(response.wrap_info) if response.wrap_info else None,
            "warnings": response.warnings or None,
            "auth": auth_view(response.auth) if response.auth else None,
            "mount_type": response.mount_type,
        }
    )
    if response.wrap_info is not None:
        body["data"] = None
    return body
