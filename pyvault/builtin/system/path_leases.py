"""sys/leases/*: look up, list, renew, revoke and tidy leases.

Also the old unprefixed ``sys/renew``, ``sys/revoke``, ``sys/revoke-prefix`` and
``sys/revoke-force`` that HashiCorp Vault still serves (OpenBao dropped them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response, Secret

log = logging.getLogger("pyvault.system")

TIDY_STARTED = ("Tidy operation successfully started. Any information from the operation will "
                "be printed to Vault's server logs.")
MAX_IRREVOCABLE = 10000
MAX_IRREVOCABLE_WARNING = (
    "Command halted because many irrevocable leases were found. To emit the entire list, "
    "re-run the command with force set true."
)


class LeaseRecord(Protocol):
    """What a lease shows (the expiration manager's ``LeaseEntry``)."""

    @property
    def lease_id(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def issue_time(self) -> float: ...
    @property
    def expire_time(self) -> float: ...
    @property
    def last_renewal_time(self) -> float: ...
    @property
    def revoke_error(self) -> str: ...

    def not_renewable_reason(self, now: float) -> str | None: ...

    def ttl_at(self, now: float) -> int: ...


class RenewedRecord(Protocol):
    @property
    def lease_id(self) -> str: ...
    @property
    def ttl(self) -> int: ...
    @property
    def renewable(self) -> bool: ...
    @property
    def data(self) -> dict[str, Any] | None: ...
    @property
    def warnings(self) -> list[str]: ...


class LeaseManager(Protocol):
    """The expiration manager, as these paths use it."""

    async def lookup(self, lease_id: str) -> LeaseRecord | None: ...

    async def list_prefix(self, prefix: str) -> list[str]: ...

    async def renew(self, lease_id: str, increment: int) -> RenewedRecord: ...

    async def revoke(self, lease_id: str, *, force: bool = False) -> None: ...

    async def lazy_revoke(self, lease_id: str) -> None: ...

    async def revoke_prefix(self, prefix: str, *, force: bool = False,
                            sync: bool = True) -> None: ...

    async def tidy(self) -> object: ...

    def irrevocable_leases(self) -> Sequence[LeaseRecord]: ...

    def mount_accessor(self, path: str) -> str: ...

    def now(self) -> float: ...


def go_time(timestamp: float) -> str:
    """Go's RFC3339Nano: the fraction without trailing zeros."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


_LEASE_ID = {"lease_id": Field(description="The lease identifier to renew or revoke. "
                                           "This is included with a lease.")}
_URL_LEASE_ID = {"url_lease_id": Field(description="The lease identifier (in the URL).")}
_PREFIX = {"prefix": Field(description="The path prefix of the leases.")}
_SYNC = {"sync": Field(type=FieldType.BOOL, default=True,
                       description="Whether to revoke now (true) or in the background.")}
_TYPE = {
    "type": Field(description="Type of leases (only 'irrevocable')."),
    "include_child_namespaces": Field(type=FieldType.BOOL, default=False,
                                      description="Include child namespaces."),
}


def _both(template: str) -> tuple[str, ...]:
    """The path under ``leases/`` and its old unprefixed twin."""
    return (f"leases/{template}", template)


class LeasePaths:
    def __init__(self, expiration: LeaseManager) -> None:
        self._leases = expiration
        self._tidy_task: asyncio.Task[object] | None = None

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("leases/lookup/{prefix:optpath}",), fields=_PREFIX,
                 operations=ops(list=self._list), synopsis=LEASES_HELP),
            Path(patterns=("leases/lookup",), fields=_LEASE_ID,
                 operations=ops(update=self._lookup), synopsis=LEASES_HELP),
            Path(patterns=(*_both("renew"), *_both("renew/{url_lease_id:path}")),
                 fields={**_LEASE_ID, **_URL_LEASE_ID,
                         "increment": Field(type=FieldType.DURATION,
                                            description="The desired increment in seconds.")},
                 operations=ops(update=self._renew), synopsis=RENEW_HELP),
            Path(patterns=(*_both("revoke"), *_both("revoke/{url_lease_id:path}")),
                 fields={**_LEASE_ID, **_URL_LEASE_ID, **_SYNC},
                 operations=ops(update=self._revoke), synopsis=REVOKE_HELP),
            Path(patterns=_both("revoke-force/{prefix:path}"), fields=_PREFIX,
                 operations=ops(update=self._revoke_force), synopsis=REVOKE_FORCE_HELP),
            Path(patterns=_both("revoke-prefix/{prefix:path}"), fields={**_PREFIX, **_SYNC},
                 operations=ops(update=self._revoke_prefix), synopsis=REVOKE_PREFIX_HELP),
            Path(patterns=("leases/tidy",), operations=ops(update=self._tidy),
                 synopsis=TIDY_HELP),
            Path(patterns=("leases/count",), fields=_TYPE, operations=ops(read=self._count),
                 synopsis=COUNT_HELP),
            Path(patterns=("leases",),
                 fields={**_TYPE, "limit": Field(description="How many to list, or 'none'.")},
                 operations=ops(read=self._irrevocable), synopsis=LIST_HELP),
        ]

    # ---- lookup ----------------------------------------------------------------------

    async def _lookup(self, request: Request, data: FieldData) -> Response:
        lease_id = data.get_str("lease_id")
        if not lease_id:
            raise InvalidRequest("lease_id must be specified")
        lease = await self._leases.lookup(lease_id)
        if lease is None:
            raise InvalidRequest("invalid lease")
        now = self._leases.now()
        view: dict[str, Any] = {
            "id": lease_id,
            "issue_time": go_time(lease.issue_time),
            "expire_time": None,
            "last_renewal": None,
            "ttl": 0,
            "path": lease.path,
            "renewable": lease.not_renewable_reason(now) is None,
        }
        if lease.revoke_error:
            view["revoke_error"] = lease.revoke_error
        if lease.last_renewal_time:
            view["last_renewal"] = go_time(lease.last_renewal_time)
        if lease.expire_time:
            view["expire_time"] = go_time(lease.expire_time)
            view["ttl"] = lease.ttl_at(now)
        return Response(data=view)

    async def _list(self, request: Request, data: FieldData) -> Response | None:
        prefix = data.get_str("prefix")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        keys = await self._leases.list_prefix(prefix)
        return Response(data={"keys": keys}) if keys else None

    # ---- renew and revoke ------------------------------------------------------------

    @staticmethod
    def _lease_id(data: FieldData) -> str:
        lease_id = data.get_str("lease_id") or data.get_str("url_lease_id")
        if not lease_id:
            raise InvalidRequest("lease_id must be specified")
        return lease_id

    async def _renew(self, request: Request, data: FieldData) -> Response:
        lease_id = self._lease_id(data)
        renewed = await self._leases.renew(lease_id, data.get_int("increment"))
        return Response(
            data=renewed.data,
            secret=Secret(lease_id=renewed.lease_id, lease_duration=renewed.ttl,
                          renewable=renewed.renewable),
            warnings=list(renewed.warnings),
        )

    async def _revoke(self, request: Request, data: FieldData) -> Response | None:
        lease_id = self._lease_id(data)
        if data.get_bool("sync"):
            await self._leases.revoke(lease_id)
            return None
        await self._leases.lazy_revoke(lease_id)
        return Response(status=202)

    async def _revoke_prefix(self, request: Request, data: FieldData) -> Response | None:
        sync = data.get_bool("sync")
        await self._leases.revoke_prefix(data.get_str("prefix"), sync=sync)
        return None if sync else Response(status=202)

    async def _revoke_force(self, request: Request, data: FieldData) -> None:
        await self._leases.revoke_prefix(data.get_str("prefix"), force=True, sync=True)

    # ---- tidy and irrevocable leases ---------------------------------------------------

    async def _tidy(self, request: Request, data: FieldData) -> Response:
        if self._tidy_task is None or self._tidy_task.done():
            self._tidy_task = asyncio.get_running_loop().create_task(self._run_tidy())
        return Response(warnings=[TIDY_STARTED], status=202)

    async def _run_tidy(self) -> object:
        try:
            return await self._leases.tidy()
        except Exception:
            log.exception("lease tidy failed")
            return None

    async def _count(self, request: Request, data: FieldData) -> Response | None:
        if data.get_str("type").lower() != "irrevocable":
            return None
        counts: dict[str, int] = {}
        leases = self._leases.irrevocable_leases()
        for lease in leases:
            accessor = self._leases.mount_accessor(lease.path) or "mount-accessor-not-found"
            counts[accessor] = counts.get(accessor, 0) + 1
        return Response(data={"counts": counts, "lease_count": len(leases)})

    async def _irrevocable(self, request: Request, data: FieldData) -> Response | None:
        if data.get_str("type").lower() != "irrevocable":
            return None
        limit = _limit(data.get_str("limit"))
        leases = sorted(self._leases.irrevocable_leases(),
                        key=lambda lease: (lease.expire_time, lease.lease_id))
        warnings: list[str] = []
        if limit is not None and len(leases) > limit:
            leases, warnings = leases[:limit], [MAX_IRREVOCABLE_WARNING]
        listed = [{"lease_id": lease.lease_id,
                   "mount_id": self._leases.mount_accessor(lease.path)
                   or "mount-accessor-not-found",
                   "error": lease.revoke_error} for lease in leases]
        return Response(data={"lease_count": len(listed), "leases": listed}, warnings=warnings)


def _limit(text: str) -> int | None:
    """Vault's processLimit: "" = the default cap, "none" = everything."""
    if text == "":
        return MAX_IRREVOCABLE
    if text.lower() == "none":
        return None
    try:
        limit = int(text)
    except ValueError:
        raise InvalidRequest(
            f'invalid \'limit\' provided: strconv.Atoi: parsing "{text}": invalid syntax'
        ) from None
    if limit < 1:
        raise InvalidRequest("limit must be 'none' or a positive integer")
    return limit


LEASES_HELP = "View or list lease metadata."
RENEW_HELP = "Renews a lease, requesting to extend the lease."
REVOKE_HELP = "Revokes a lease immediately."
REVOKE_PREFIX_HELP = ("Revokes all secrets (via a lease ID prefix) or tokens (via the tokens' "
                      "path property) generated under a given prefix immediately.")
REVOKE_FORCE_HELP = ("Revokes all secrets or tokens generated under a given prefix immediately, "
                     "ignoring backend errors.")
TIDY_HELP = "This endpoint performs cleanup tasks that can be run if certain error conditions " \
            "have occurred."
COUNT_HELP = "Count of leases associated with this Vault cluster."
LIST_HELP = "List leases associated with this Vault cluster."
