"""Generate root: a quorum of unseal-key holders mints a root token when none exists.

The token never travels in the clear: it is XORed with a one-time password chosen
at the start (by the operator, or — as Vault ≥ 1.10 does when neither ``otp`` nor
``pgp_key`` is given — by the server, which shows it once) and returned base64
encoded; ``bao operator generate-root -decode`` reverses it with the OTP.

Progress lives in memory only; a restart loses an attempt, nothing else.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pyvault.core.ceremony import Ceremony
from pyvault.core.recovery import RECOVERY_MISMATCH, WrongRecoveryKey
from pyvault.core.shamir_seal import WrongUnsealKey
from pyvault.core.share_progress import (
    ShareProgress,
    cancel_refused,
    combine_shares,
    nonce_matches,
)
from pyvault.crypto import pgp
from pyvault.crypto.random import RandomSource, base62
from pyvault.logical.errors import InvalidRequest
from pyvault.util.clock import Clock

# hvs. + 24 random characters: the OTP must be exactly as long as the token.
OTP_LENGTH = 28
WRONG_SHARES = (
    "root generation aborted: unable to authenticate: unable to retrieve stored keys: "
    "invalid key: failed to decrypt keys from storage: cipher: message authentication failed"
)
WRONG_RECOVERY_SHARES = f"root generation aborted: unable to authenticate: {RECOVERY_MISMATCH}"

MintRoot = Callable[[], Awaitable[str]]


def xor_encode(token: str, otp: str) -> str:
    """Vault's encoding: token XOR otp, base64 without padding."""
    raw = bytes(a ^ b for a, b in zip(token.encode(), otp.encode(), strict=True))
    return base64.b64encode(raw).decode().rstrip("=")


def xor_decode(encoded: str, otp: str) -> str:
    """What ``operator generate-root -decode`` does with the OTP."""
    raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    if len(raw) != len(otp):
        raise ValueError("encoded token and OTP differ in length")
    return bytes(a ^ b for a, b in zip(raw, otp.encode(), strict=True)).decode()


@dataclass(slots=True)
class _Attempt:
    otp: str = field(repr=False)
    progress: ShareProgress
    key: pgp.PublicKey | None = None

    def encode(self, token: str) -> str:
        """XOR with the OTP, or — with a PGP key — the encrypted token in base64."""
        if self.key is not None:
            return base64.b64encode(pgp.encrypt(self.key, token.encode())).decode()
        return xor_encode(token, self.otp)


class RootGeneration:
    """One root generation attempt at a time."""

    def __init__(
        self, ceremony: Ceremony, random: RandomSource, clock: Clock, mint_root: MintRoot
    ) -> None:
        self._ceremony = ceremony
        self._random = random
        self._clock = clock
        self._mint_root = mint_root
        self._attempt: _Attempt | None = None
        self._lock = asyncio.Lock()

    def reset(self) -> None:
        self._attempt = None

    async def _required(self) -> int:
        config = await self._ceremony.operator_config()  # recovery keys under auto seal
        return config.secret_threshold if config else 0

    async def status(self, *, otp: str = "", otp_length: int = OTP_LENGTH) -> dict[str, Any]:
        attempt = self._attempt
        return {
            "nonce": attempt.progress.nonce if attempt else "",
            "started": attempt is not None,
            "progress": len(attempt.progress.parts) if attempt else 0,
            "required": await self._required(),
            "complete": False,
            "encoded_token": "",
            "encoded_root_token": "",
            "pgp_fingerprint": attempt.key.fingerprint if attempt and attempt.key else "",
            "otp": otp,
            "otp_length": otp_length,
        }

    async def start(self, otp: str, pgp_key: str) -> dict[str, Any]:
        """An operator's OTP wins over a PGP key, as in Vault; with neither, the server
        makes the OTP and shows it in this answer only."""
        key: pgp.PublicKey | None = None
        if otp:
            if len(otp) != OTP_LENGTH:
                raise InvalidRequest("OTP string has incorrect length")
        elif pgp_key:
            try:
                key = pgp.parse_public_key(pgp_key)
            except pgp.PGPKeyError as exc:
                raise InvalidRequest(f"error parsing PGP key: {exc}") from None
        generated = "" if otp or key else base62(self._random, OTP_LENGTH)
        async with self._lock:
            if self._attempt is not None:
                raise InvalidRequest("root generation already in progress for this namespace")
            progress = ShareProgress.start(self._random, self._clock.now())
            self._attempt = _Attempt(otp or generated, progress, key)
        return await self.status(otp=generated)

    async def cancel(self, nonce: str, *, authorized: bool = False) -> None:
        """Cancelling needs the nonce while the attempt is young (CVE-2026-5807),
        unless the caller is ``authorized`` (a token with sudo on the path)."""
        async with self._lock:
            attempt = self._attempt
            if attempt is None:
                return
            if not authorized and not attempt.progress.may_cancel(nonce, self._clock.now()):
                raise InvalidRequest(cancel_refused("root generation"))
            self._attempt = None

    async def update(self, key: bytes, nonce: str) -> dict[str, Any]:
        async with self._lock:
            attempt = self._attempt
            if attempt is None:
                raise InvalidRequest("no root generation in progress")
            if not nonce_matches(attempt.progress.nonce, nonce):
                raise InvalidRequest(
                    "incorrect nonce supplied; nonce for this root generation operation is "
                    f'"{attempt.progress.nonce}"'
                )
            attempt.progress.add(key)
            view = await self.status(otp_length=0)
            if len(attempt.progress.parts) < view["required"]:
                return view
            unseal_key = combine_shares(attempt.progress.take(), "root key")
            try:
                await self._ceremony.prove(unseal_key)
            except WrongRecoveryKey:
                raise InvalidRequest(WRONG_RECOVERY_SHARES) from None
            except WrongUnsealKey:
                raise InvalidRequest(WRONG_SHARES) from None
            try:
                encoded = attempt.encode(await self._mint_root())
            except pgp.PGPKeyError as exc:
                raise InvalidRequest(str(exc)) from None
            self._attempt = None
            view.update(complete=True, encoded_token=encoded, encoded_root_token=encoded)
            return view
