"""sys/leases/tidy: revoke leases whose token is gone, drop index entries of gone leases.

A crash between deleting a token and cleaning its leases leaves such strays;
Vault's ``ExpirationManager.Tidy`` does the same sweep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyvault.expiration.lease import LeaseEntry
from pyvault.expiration.protocols import TokenRevoker
from pyvault.expiration.records import LeaseRecords

if TYPE_CHECKING:
    from pyvault.expiration.manager import ExpirationManager


@dataclass(slots=True)
class TidyReport:
    scanned: int = 0
    revoked: int = 0
    dangling_index: int = 0
    errors: list[str] = field(default_factory=list)


async def tidy_leases(
    manager: ExpirationManager, records: LeaseRecords, tokens: TokenRevoker
) -> TidyReport:
    report = TidyReport()
    known: dict[str, bool] = {}
    for lease in await records.all():
        report.scanned += 1
        if await _owner_alive(lease, tokens, known):
            continue
        try:
            if lease.is_auth:  # the token is already gone: only the record is left
                await manager.forget(lease.lease_id)
            else:
                await manager.revoke(lease.lease_id, force=True)
            report.revoked += 1
        except Exception as exc:
            report.errors.append(f"{lease.lease_id}: {type(exc).__name__}")
    report.dangling_index = await records.drop_dangling_index()
    return report


async def _owner_alive(lease: LeaseEntry, tokens: TokenRevoker, known: dict[str, bool]) -> bool:
    owner = lease.index_hash if lease.token_type == "batch" else lease.token_hash
    if not owner:
        return lease.token_type == "batch"  # orphan batch owners just expire
    if owner not in known:
        known[owner] = await tokens.token_exists(owner)
    return known[owner]
