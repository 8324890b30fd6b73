"""auth/token/tidy: start a background clean-up of the token indexes."""

from __future__ import annotations

import asyncio
import logging

from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.context import TokenContext
from pyvault.token.tidy import TokenTidyReport, tidy_tokens

log = logging.getLogger("pyvault.token")

STARTED = ("Tidy operation successfully started. Any information from the operation will be "
           "printed to Vault's server logs.")
RUNNING = "Tidy operation already in progress."


class TidyPaths:
    def __init__(self, ctx: TokenContext) -> None:
        self._ctx = ctx
        self.task: asyncio.Task[TokenTidyReport] | None = None

    def paths(self) -> list[Path]:
        return [Path(patterns=("tidy",), operations=ops(update=self._tidy),
                     synopsis=TIDY_HELP, description=TIDY_DESC)]

    async def _tidy(self, request: Request, data: FieldData) -> Response:
        if self.task is not None and not self.task.done():
            return Response(warnings=[RUNNING])
        self.task = asyncio.get_running_loop().create_task(self._run())
        return Response(warnings=[STARTED], status=202)

    async def _run(self) -> TokenTidyReport:
        try:
            return await tidy_tokens(self._ctx.store)
        except Exception:
            log.exception("token tidy failed")
            raise


TIDY_HELP = "This endpoint performs cleanup tasks that can be run if certain error conditions " \
            "have occurred."
TIDY_DESC = (
    "This endpoint performs cleanup tasks that can be run to clean up token and lease entries "
    "after certain error conditions. Usually running this is not necessary, and is only "
    "required if upgrade notes or support personnel suggest it."
)
