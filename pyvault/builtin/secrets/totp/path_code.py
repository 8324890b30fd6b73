"""code/<name>: GET makes the current code, POST checks one (each code only once)."""

from __future__ import annotations

from pyvault.builtin.secrets.totp.model import TOTPKey
from pyvault.builtin.secrets.totp.path_keys import KEY_PREFIX, NAME
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.util.clock import Clock


class UsedCodes:
    """Codes already accepted, until they can no longer be valid (in memory, as
    Vault's cache: a restart forgets them, and by then most have expired)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}

    def seen(self, name: str, code: str) -> bool:
        now = self._clock.now()
        for stale in [k for k, t in self._until.items() if t <= now]:
            del self._until[stale]
        return f"{name}_{code}" in self._until

    def add(self, name: str, code: str, key: TOTPKey) -> None:
        # The skew plus one period behind and one ahead covers every time the
        # code could still be accepted (Vault's rule).
        self._until[f"{name}_{code}"] = self._clock.now() + key.period * (2 + key.skew)

    def forget_key(self, name: str) -> None:
        for stale in [k for k in self._until if k.startswith(f"{name}_")]:
            del self._until[stale]


class CodePaths:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.used = UsedCodes(clock)

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("code/{name}",),
                 fields={"name": NAME,
                         "code": Field(description="TOTP code to be validated.",
                                       sensitive=True)},
                 operations=ops(read=self._generate, update=self._validate),
                 synopsis=CODE_HELP, description=CODE_DESCRIPTION),
        ]

    async def _key(self, request: Request, name: str) -> TOTPKey:
        raw = await request.require_storage().get(KEY_PREFIX + name)
        if raw is None:
            raise InvalidRequest(f"unknown key: {name}")
        return TOTPKey.deserialize(raw)

    async def _generate(self, request: Request, data: FieldData) -> Response:
        """Vault documents ``{"code": …}``; OpenBao adds expiry fields, which
        pyvault leaves out (it follows Vault where the two differ)."""
        key = await self._key(request, data.get_str("name"))
        return Response(data={"code": key.code_at(self._clock.now())})

    async def _validate(self, request: Request, data: FieldData) -> Response:
        name = data.get_str("name")
        code = data.get_str("code").strip()
        if not code:
            raise InvalidRequest("the code value is required")
        key = await self._key(request, name)
        if self.used.seen(name, code):
            raise InvalidRequest("code already used; wait until the next time period")
        if len(code) != key.digits:
            raise InvalidRequest("invalid number of digits for the code")
        valid = key.check(code, self._clock.now())
        if valid:
            self.used.add(name, code, key)
        return Response(data={"valid": valid})


CODE_HELP = "Request time-based one-time use password or validate a password."
CODE_DESCRIPTION = (
    "This path generates and validates time-based one-time use passwords."
)
