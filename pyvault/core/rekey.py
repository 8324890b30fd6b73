"""Rekey: the operators replace the unseal key and its shares (sys/rekey/*).

A quorum of *current* shares proves the operators hold the unseal key; a new unseal
key is then made and split to the new configuration. Without verification the new
wrapping of the root key replaces the old one at once, so old shares stop working
the moment the last share arrives. With ``require_verification`` the new key only
takes effect once a quorum of the *new* shares has been handed back.

Under an auto seal the operators hold recovery keys: sys/rekey-recovery-key/*
(``Rekey(recovery=True)``) replaces them the same way, and sys/rekey/* — proven
with recovery keys — makes a new root key, wrapped by the seal, as Vault does.

All progress is in memory: a restart mid-ceremony loses the progress, never a key.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pyvault.core.ceremony import Ceremony
from pyvault.core.recovery import RECOVERY_MISMATCH, WrongRecoveryKey
from pyvault.core.seal_config import SealConfig
from pyvault.core.shamir_seal import WrongUnsealKey
from pyvault.core.share_progress import (
    ShareProgress,
    cancel_refused,
    combine_shares,
    nonce_matches,
)
from pyvault.crypto import aead, pgp
from pyvault.crypto.random import RandomSource, compare
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.storage import Storage
from pyvault.util.clock import Clock

log = logging.getLogger("pyvault.core")
WRONG_SHARES = (
    "failed to read root key: invalid key: failed to decrypt keys from storage: "
    "cipher: message authentication failed"
)
# Inside the barrier, like Vault's core/unseal-keys-backup.
BACKUP_PATH = "core/unseal-keys-backup"
RECOVERY_BACKUP_PATH = "core/recovery-keys-backup"
AUTO_NO_VERIFICATION = (
    "requiring verification not supported when rekeying the barrier key with recovery keys"
)
AUTO_NO_PGP = "PGP key encryption not supported when rekeying the barrier key with recovery keys"


@dataclass(frozen=True, slots=True)
class RekeyRequest:
    secret_shares: int
    secret_threshold: int
    pgp_keys: list[str] = field(default_factory=list)
    backup: bool = False
    require_verification: bool = False


@dataclass(slots=True)
class _Pending:
    """New shares handed out but not yet proven (``require_verification``)."""

    config: SealConfig
    unseal_key: bytes = field(repr=False)
    root_key: bytes = field(repr=False)
    progress: ShareProgress


@dataclass(slots=True)
class _Attempt:
    request: RekeyRequest
    progress: ShareProgress
    keys: list[pgp.PublicKey] = field(default_factory=list)
    pending: _Pending | None = None
    backup: dict[str, Any] | None = None

    @property
    def fingerprints(self) -> list[str] | None:
        return [key.fingerprint for key in self.keys] or None


class Rekey:
    """One rekey attempt at a time, as Vault allows (and one recovery rekey)."""

    def __init__(
        self, ceremony: Ceremony, barrier: Storage, random: RandomSource, clock: Clock,
        *, recovery: bool = False, rotate_root: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._ceremony = ceremony
        self._barrier = barrier
        self._random = random
        self._clock = clock
        self._attempt: _Attempt | None = None
        self._lock = asyncio.Lock()
        self._is_recovery = recovery
        self._rotate_root = rotate_root
        self._backup_path = RECOVERY_BACKUP_PATH if recovery else BACKUP_PATH
        # sys/rekey-recovery-key/*: its own attempt, forgotten with this one on seal.
        self.recovery: Rekey | None = (
            None if recovery else Rekey(ceremony, barrier, random, clock, recovery=True)
        )

    def reset(self) -> None:
        """Forget every attempt (the vault sealed)."""
        self._attempt = None
        if self.recovery is not None:
            self.recovery.reset()

    @property
    def _auto_barrier(self) -> bool:
        """sys/rekey/* under an auto seal: no shares out, a new root key in."""
        return not self._is_recovery and self._ceremony.auto is not None

    @property
    def _what(self) -> str:
        return "recovery" if self._is_recovery else "barrier"

    async def _current_threshold(self) -> int:
        config = await self._ceremony.operator_config()
        return config.secret_threshold if config else 0

    async def status(self) -> dict[str, Any]:
        attempt = self._attempt
        view: dict[str, Any] = {
            "nonce": attempt.progress.nonce if attempt else "",
            "started": attempt is not None,
            "t": attempt.request.secret_threshold if attempt and not self._auto_barrier else 0,
            "n": attempt.request.secret_shares if attempt and not self._auto_barrier else 0,
            "progress": len(attempt.progress.parts) if attempt else 0,
            "required": await self._current_threshold(),
            "pgp_fingerprints": attempt.fingerprints if attempt else None,
            "backup": attempt.request.backup if attempt else False,
            "verification_required": attempt.request.require_verification if attempt else False,
        }
        if attempt is not None and attempt.pending is not None:
            view["verification_nonce"] = attempt.pending.progress.nonce
        return view

    async def start(self, request: RekeyRequest) -> dict[str, Any]:
        if self._auto_barrier:
            # The shares asked for are ignored: the seal holds the new root key.
            if request.require_verification:
                raise InvalidRequest(AUTO_NO_VERIFICATION)
            if request.pgp_keys:
                raise InvalidRequest(AUTO_NO_PGP)
            request = RekeyRequest(1, 1, backup=request.backup)
        config = SealConfig("shamir", request.secret_shares, request.secret_threshold)
        prefix = "recovery" if self._is_recovery else "rekey seal"
        try:
            config.validate()
        except InvalidRequest as exc:
            # Vault answers 500 here; a bad request is the caller's error, so 400.
            raise InvalidRequest(f"invalid {prefix} configuration: {exc}") from None
        if request.pgp_keys and len(request.pgp_keys) != request.secret_shares:
            raise InvalidRequest("incorrect number of PGP keys for rekey")
        if request.backup and not request.pgp_keys:
            raise InvalidRequest(
                "cannot request a backup of the new keys without providing PGP keys for "
                "encryption"
            )
        try:
            keys = pgp.parse_all(request.pgp_keys)
        except pgp.PGPKeyError as exc:
            raise InvalidRequest(f"invalid {prefix} configuration: {exc}") from None
        async with self._lock:
            if self._attempt is not None:
                raise InvalidRequest("rekey already in progress")
            progress = ShareProgress.start(self._random, self._clock.now())
            self._attempt = _Attempt(request, progress, keys)
        return await self.status()

    async def cancel(self, nonce: str, *, authorized: bool = False) -> None:
        """Cancelling needs the nonce while the attempt is young (CVE-2025-4656),
        unless the caller is ``authorized`` (a token with sudo on the path)."""
        async with self._lock:
            attempt = self._attempt
            if attempt is None:
                return
            if not authorized and not attempt.progress.may_cancel(nonce, self._clock.now()):
                raise InvalidRequest(cancel_refused("rekey"))
            self._attempt = None

    async def update(self, key: bytes, nonce: str) -> dict[str, Any]:
        async with self._lock:
            attempt = self._attempt
            if attempt is None:
                raise InvalidRequest(f"no {self._what} rekey in progress")
            if attempt.pending is not None:
                raise InvalidRequest(
                    "rekey operation already finished; verification must be performed; "
                    f'nonce for the verification operation is "{attempt.pending.progress.nonce}"'
                )
            if not nonce_matches(attempt.progress.nonce, nonce):
                raise InvalidRequest(
                    "incorrect nonce supplied; nonce for this rekey operation is "
                    f'"{attempt.progress.nonce}"'
                )
            attempt.progress.add(key)
            if len(attempt.progress.parts) < await self._current_threshold():
                return await self.status()
            return await self._finish(attempt)

    async def _prove(self, attempt: _Attempt) -> bytes:
        """The root key (Shamir) once the shares prove the operators' key; under an
        auto seal the recovery key is checked instead (b"": no root key needed)."""
        parts = attempt.progress.take()
        if self._ceremony.auto is not None:
            try:
                await self._ceremony.prove(combine_shares(parts, "recovery key"))
            except WrongRecoveryKey:
                raise InvalidRequest(RECOVERY_MISMATCH) from None
            return b""
        try:
            return await self._ceremony.open_root_key(combine_shares(parts, "root key"))
        except WrongUnsealKey:
            # Vault answers 500; wrong shares are the caller's error, so 400.
            raise InvalidRequest(WRONG_SHARES) from None

    async def _finish(self, attempt: _Attempt) -> dict[str, Any]:
        root_key = await self._prove(attempt)
        if self._auto_barrier:
            return await self._finish_auto(attempt)
        request = attempt.request
        config = SealConfig("shamir", request.secret_shares, request.secret_threshold)
        unseal_key = self._random.bytes(aead.KEY_SIZE)
        shares = self._ceremony.split(unseal_key, config)
        if attempt.keys:
            try:
                shares = pgp.encrypt_shares(shares, attempt.keys)
            except pgp.PGPKeyError as exc:
                raise InvalidRequest(str(exc)) from None
        hex_keys = [share.hex() for share in shares]
        b64_keys = [base64.b64encode(share).decode() for share in shares]
        if request.backup:
            attempt.backup = _backup_record(attempt, hex_keys, b64_keys)
        view: dict[str, Any] = {
            "nonce": attempt.progress.nonce,
            "complete": True,
            "keys": hex_keys,
            "keys_base64": b64_keys,
            "pgp_fingerprints": attempt.fingerprints,
            "backup": request.backup,
            "verification_required": request.require_verification,
        }
        if request.require_verification:
            progress = ShareProgress.start(self._random, self._clock.now())
            attempt.pending = _Pending(config, unseal_key, root_key, progress)
            view["verification_nonce"] = progress.nonce
            return view
        await self._install(attempt, config, unseal_key, root_key)
        return view

    async def _finish_auto(self, attempt: _Attempt) -> dict[str, Any]:
        """A new root key, wrapped by the auto seal; no shares to hand out."""
        if self._rotate_root is None:
            raise InvalidRequest("rekeying the barrier key is not available")
        await self._rotate_root()
        self._attempt = None
        log.info("barrier rekey with recovery keys complete: new root key")
        return {
            "nonce": attempt.progress.nonce, "complete": True, "keys": [],
            "keys_base64": [], "pgp_fingerprints": None, "backup": False,
            "verification_required": False,
        }

    async def _install(
        self, attempt: _Attempt, config: SealConfig, unseal_key: bytes, root_key: bytes
    ) -> None:
        """The new shares take effect; a backup (PGP-encrypted shares only) is kept
        inside the barrier for sys/rekey/backup, replacing any older one."""
        async with self._ceremony.lock:
            if self._is_recovery:
                await self._ceremony.install_recovery_key(config, unseal_key)
            else:
                await self._ceremony.install_unseal_key(config, unseal_key, root_key)
        if attempt.backup is not None:
            await self._barrier.put(self._backup_path, json.dumps(attempt.backup).encode())
        self._attempt = None
        log.info("%s rekey complete: %d key shares, threshold %d", self._what,
                 config.secret_shares, config.secret_threshold)

    async def read_backup(self) -> dict[str, Any]:
        raw = await self._barrier.get(self._backup_path)
        if raw is None:
            raise InvalidRequest("no backed-up keys found")
        record: dict[str, Any] = json.loads(raw)
        return record

    async def delete_backup(self) -> None:
        await self._barrier.delete(self._backup_path)

    # ---- verification ----------------------------------------------------------------

    def _pending(self, missing: str) -> _Pending:
        attempt = self._attempt
        if attempt is None or attempt.pending is None:
            raise InvalidRequest(missing)
        return attempt.pending

    def verify_status(self) -> dict[str, Any]:
        pending = self._pending("no rekey configuration found")
        return _verify_view(pending)

    async def verify_cancel(self) -> dict[str, Any]:
        """Start verification over with a fresh nonce; the new shares stay valid."""
        async with self._lock:
            pending = self._pending("no rekey configuration found")
            pending.progress = ShareProgress.start(self._random, self._clock.now())
            return _verify_view(pending)

    async def verify_update(self, key: bytes, nonce: str) -> dict[str, Any]:
        async with self._lock:
            pending = self._pending("no rekey in progress")
            if not nonce_matches(pending.progress.nonce, nonce):
                raise InvalidRequest(
                    "incorrect nonce supplied; nonce for this verify operation is "
                    f'"{pending.progress.nonce}"'
                )
            pending.progress.add(key)
            if len(pending.progress.parts) < pending.config.secret_threshold:
                return _verify_view(pending)
            nonce_used = pending.progress.nonce
            parts = pending.progress.take()
            try:
                proven = combine_shares(parts, "unseal key")
                matches = compare(proven, pending.unseal_key)
            except InvalidRequest:
                matches = False
            if not matches:
                pending.progress = ShareProgress.start(self._random, self._clock.now())
                raise InvalidRequest("rekey verification failed; incorrect key shares supplied")
            assert self._attempt is not None
            await self._install(
                self._attempt, pending.config, pending.unseal_key, pending.root_key
            )
            return {"nonce": nonce_used, "complete": True}


def _verify_view(pending: _Pending) -> dict[str, Any]:
    return {
        "nonce": pending.progress.nonce,
        "started": True,
        "t": pending.config.secret_threshold,
        "n": pending.config.secret_shares,
        "progress": len(pending.progress.parts),
    }



def _backup_record(attempt: _Attempt, hex_keys: list[str], b64_keys: list[str]) -> dict[str, Any]:
    """Vault's backup layout: each operator's encrypted shares under their fingerprint."""
    by_hex: dict[str, list[str]] = {}
    by_b64: dict[str, list[str]] = {}
    for key, hex_key, b64_key in zip(attempt.keys, hex_keys, b64_keys, strict=True):
        by_hex.setdefault(key.fingerprint, []).append(hex_key)
        by_b64.setdefault(key.fingerprint, []).append(b64_key)
    return {"nonce": attempt.progress.nonce, "keys": by_hex, "keys_base64": by_b64}
