"""tidy/secret-id: remove expired secret ids and dangling accessor entries."""

from __future__ import annotations

import logging

from pyvault.builtin.auth.approle.model import ACCESSOR, ROLE, SECRET_ID, load_role, unpack
from pyvault.builtin.auth.approle.state import AppRoleState
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import Storage

log = logging.getLogger("pyvault.auth.approle")
STARTED = ("Tidy operation successfully started. Any information from the operation will "
           "be printed to Vault's server logs.")


class TidyPaths:
    def __init__(self, state: AppRoleState) -> None:
        self._state = state

    def paths(self) -> list[Path]:
        return [Path(patterns=("tidy/secret-id",), operations=ops(update=self._tidy),
                     synopsis=TIDY_HELP, description=TIDY_HELP)]

    async def _tidy(self, request: Request, data: FieldData) -> Response:
        """Vault starts the tidy in the background and answers 202; pyvault's tidy is
        one pass over storage, done before it answers, with the same answer."""
        removed = await self.tidy(request.require_storage())
        log.info("approle: tidy removed %d expired or dangling secret id entries", removed)
        return Response(status=202, warnings=[STARTED])

    async def tidy(self, storage: Storage) -> int:
        removed = 0
        now = self._state.clock.now()
        async with self._state.lock:
            for name in await storage.list(ROLE):
                role = await load_role(storage, name)
                if role is None:
                    continue
                secrets = f"{SECRET_ID}{role.key}/"
                live: set[str] = set()
                for child in await storage.list(secrets):
                    raw = await storage.get(secrets + child)
                    if raw is None:
                        continue
                    expires = float(unpack(raw).get("expiration_time", 0.0))
                    if expires and expires <= now:
                        await storage.delete(secrets + child)
                        removed += 1
                    else:
                        live.add(secrets + child)
                accessors = f"{ACCESSOR}{role.key}/"
                for child in await storage.list(accessors):
                    raw = await storage.get(accessors + child)
                    if raw is None or str(unpack(raw).get("secret_key")) not in live:
                        await storage.delete(accessors + child)
        return removed


TIDY_HELP = "Trigger the clean-up of expired SecretID entries."
