"""How tokens are shown: lookup data and the ``auth`` block of create/renew answers."""

from __future__ import annotations

from typing import Any

from pyvault.expiration.lease import LeaseEntry
from pyvault.expiration.manager import ExpirationManager
from pyvault.expiration.timefmt import rfc3339_nano
from pyvault.logical.response import Auth
from pyvault.token.entry import TokenEntry


async def lookup_data(
    entry: TokenEntry, token_id: str, expiration: ExpirationManager | None
) -> dict[str, Any]:
    """The ``data`` of auth/token/lookup*: the parent is never shown (it would leak)."""
    data: dict[str, Any] = {
        "accessor": entry.accessor,
        "creation_time": int(entry.creation_time),
        "creation_ttl": entry.ttl,
        "display_name": entry.display_name,
        "entity_id": entry.entity_id,
        "expire_time": None,
        "explicit_max_ttl": entry.explicit_max_ttl,
        "id": token_id,
        "meta": entry.meta,
        "num_uses": entry.num_uses,
        "orphan": entry.orphan,
        "path": entry.path,
        "policies": entry.policies,
        "ttl": 0,
        "type": entry.token_type,
    }
    if entry.role:
        data["role"] = entry.role
    if entry.period:
        data["period"] = entry.period
    if entry.bound_cidrs:
        data["bound_cidrs"] = entry.bound_cidrs
    if expiration is None:
        return data
    now = expiration.now()
    if entry.token_type == "batch":
        data["expire_time"] = rfc3339_nano(entry.expire_time)
        data["ttl"] = int(entry.expire_time - round(now))
        data["renewable"] = False
        data["issue_time"] = rfc3339_nano(entry.creation_time)
        return data
    lease = await expiration.token_lease(entry)
    if lease is not None:
        _add_lease_times(data, lease, now)
    return data


def _add_lease_times(data: dict[str, Any], lease: LeaseEntry, now: float) -> None:
    if lease.last_renewal_time:
        data["last_renewal_time"] = int(lease.last_renewal_time)
        data["last_renewal"] = rfc3339_nano(lease.last_renewal_time)
    if lease.expire_time:
        data["expire_time"] = rfc3339_nano(lease.expire_time)
        data["ttl"] = lease.ttl_at(now)
    data["renewable"] = lease.not_renewable_reason(now) is None
    data["issue_time"] = rfc3339_nano(lease.issue_time)


def auth_block(
    entry: TokenEntry,
    token: str,
    *,
    ttl: int,
    renewable: bool,
    num_uses: int | None = None,
) -> Auth:
    """The ``auth`` of create and renew answers (``token`` is "" for accessor renewals)."""
    return Auth(
        client_token=token,
        accessor=entry.accessor,
        policies=list(entry.policies),
        token_policies=list(entry.policies),
        metadata=entry.meta,
        lease_duration=ttl,
        renewable=renewable,
        entity_id=entry.entity_id,
        token_type=entry.token_type,
        orphan=entry.orphan,
        num_uses=entry.num_uses if num_uses is None else num_uses,
    )
