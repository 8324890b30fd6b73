"""Root key rotation (sys/rotate/root) and automatic term rotation (sys/rotate/config).

Rotating the root key re-encrypts only the keyring; the data keys and so every
stored entry are untouched. The swap takes three writes, ordered so that a crash
between any two leaves a vault the current shares still open: first the seal wraps
*both* root keys (new, then old), then the keyring moves to the new key, then the
seal keeps only the new one (Ceremony.open_barrier tries each candidate).

Automatic rotation adds a barrier term once the active term has encrypted
``max_operations`` values or is older than ``interval``; it is checked every five
minutes, as Vault does. The active term's encryption count is persisted (inside the
barrier) at every check and on seal, and added back at unseal, as Vault persists its
count: a restart does not reset a key's wear.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import asdict, dataclass

from pyvault.barrier.aes_gcm import AESGCMBarrier
from pyvault.core.ceremony import Ceremony
from pyvault.crypto import aead
from pyvault.crypto.random import RandomSource
from pyvault.logical.errors import InvalidRequest
from pyvault.util.clock import Clock

log = logging.getLogger("pyvault.core")

CONFIG_PATH = "core/rotation-config"  # inside the barrier
ENCRYPTIONS_PATH = "core/barrier-encryptions"  # inside the barrier: {"term", "count"}
MAX_OPERATIONS = 3_865_470_566  # Vault's ceiling (and default) for one AES-GCM key
MIN_OPERATIONS = 1_000_000
MIN_INTERVAL = 24 * 3600.0
CHECK_EVERY = 300.0


@dataclass(frozen=True, slots=True)
class RotationConfig:
    enabled: bool = True
    max_operations: int = MAX_OPERATIONS
    interval: float = 0.0

    def validate(self) -> None:
        """Vault's limits, with Vault's words."""
        if not MIN_OPERATIONS <= self.max_operations <= MAX_OPERATIONS:
            raise InvalidRequest(
                f"max_operations must be in the range [{MIN_OPERATIONS},{MAX_OPERATIONS}]"
            )
        if self.interval and self.interval < MIN_INTERVAL:
            raise InvalidRequest("interval must be greater or equal to 24h0m0s")


def go_duration(seconds: float) -> str:
    """Go's time.Duration text for whole seconds, e.g. 86400 → "24h0m0s"."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


class RootRotation:
    def __init__(
        self, ceremony: Ceremony, barrier: AESGCMBarrier, random: RandomSource, clock: Clock
    ) -> None:
        self._ceremony = ceremony
        self._barrier = barrier
        self._random = random
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    async def rotate_root(self) -> None:
        async with self._ceremony.lock:
            old = self._barrier.root_key()
            new = self._random.bytes(aead.KEY_SIZE)
            await self._ceremony.store_root_keys(new, old)
            await self._barrier.replace_root_key(new)
            await self._ceremony.store_root_keys(new)
        log.info("root key rotated")

    async def read_config(self) -> RotationConfig:
        raw = await self._barrier.get(CONFIG_PATH)
        if raw is None:
            return RotationConfig()
        record = json.loads(raw)
        return RotationConfig(bool(record["enabled"]), int(record["max_operations"]),
                              float(record["interval"]))

    async def write_config(self, config: RotationConfig) -> None:
        config.validate()
        await self._barrier.put(CONFIG_PATH, json.dumps(asdict(config)).encode())

    async def restore_encryptions(self) -> None:
        """At unseal: the active term's count as last persisted."""
        raw = await self._barrier.get(ENCRYPTIONS_PATH)
        if raw is None:
            return
        record = json.loads(raw)
        active = self._barrier.active_term()
        if int(record.get("term", -1)) == active.term:
            self._barrier.seed_encryptions(active.term, int(record.get("count", 0)))

    async def persist_encryptions(self) -> None:
        """Write the active term's count (this write is itself one more encryption)."""
        active = self._barrier.active_term()
        count = self._barrier.encryptions(active.term) + 1
        await self._barrier.put(ENCRYPTIONS_PATH,
                                json.dumps({"term": active.term, "count": count}).encode())

    async def check(self) -> bool:
        """Rotate the barrier term if the config says it is due; True if it did."""
        await self.persist_encryptions()
        config = await self.read_config()
        if not config.enabled:
            return False
        active = self._barrier.active_term()
        worn = self._barrier.encryptions(active.term) >= config.max_operations
        old = bool(config.interval) and (
            self._clock.now() - active.install_time >= config.interval
        )
        if not (worn or old):
            return False
        term = await self._barrier.rotate()
        log.info("barrier key rotated automatically to term %d", term.term)
        return True

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """On seal: stop checking and keep the count (best effort — a standby that lost
        the HA lock may no longer write, and then the last check's count stands)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            try:
                await self.persist_encryptions()
            except Exception:
                log.warning("could not persist the barrier encryption count")

    async def _loop(self) -> None:
        # Real time on purpose: a fake clock's sleep returns at once and would spin
        # (and age every token); tests call check() directly instead.
        while True:
            await asyncio.sleep(CHECK_EVERY)
            try:
                await self.check()
            except Exception:  # a failed check must not end the loop; the next one retries
                log.exception("automatic key rotation check failed")
