"""The seal configuration: how many shares exist and how many open the vault.

Stored in plaintext at ``core/seal-config`` (the barrier is closed when it is read).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from pyvault.logical.errors import InvalidRequest

SEAL_CONFIG_PATH = "core/seal-config"
# With an auto seal: how many recovery key shares exist and how many are needed.
RECOVERY_CONFIG_PATH = "core/recovery-config"


@dataclass(frozen=True, slots=True)
class SealConfig:
    type: str
    secret_shares: int
    secret_threshold: int

    def validate(self) -> None:
        """Vault's rules, with Vault's words."""
        if self.secret_shares < 1:
            raise InvalidRequest("shares must be at least one")
        if self.secret_threshold < 1:
            raise InvalidRequest("threshold must be at least one")
        if self.secret_shares > 1 and self.secret_threshold == 1:
            raise InvalidRequest("threshold must be greater than one for multiple shares")
        if self.secret_shares > 255:
            raise InvalidRequest("shares must be less than 256")
        if self.secret_threshold > 255:
            raise InvalidRequest("threshold must be less than 256")
        if self.secret_threshold > self.secret_shares:
            raise InvalidRequest("threshold cannot be larger than shares")

    def validate_recovery(self) -> None:
        """Recovery keys may be switched off entirely (0 shares, 0 threshold), as in
        Vault; otherwise the same rules as unseal keys."""
        if self.secret_shares == 0 and self.secret_threshold == 0:
            return
        self.validate()

    def serialize(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def deserialize(cls, raw: bytes) -> SealConfig:
        record = json.loads(raw)
        return cls(
            type=str(record["type"]),
            secret_shares=int(record["secret_shares"]),
            secret_threshold=int(record["secret_threshold"]),
        )
