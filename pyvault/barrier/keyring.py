"""The barrier's keyring: the root key plus one data key per term.

Immutable: ``with_new_term`` returns a new ring, so a request holding the old ring
can still finish while a rotation is installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgpack


@dataclass(frozen=True, slots=True)
class TermKey:
    term: int
    key: bytes = field(repr=False)
    install_time: float


@dataclass(frozen=True, slots=True)
class Keyring:
    root_key: bytes = field(repr=False)
    keys: tuple[TermKey, ...]

    @property
    def active(self) -> TermKey:
        return self.keys[-1]

    def key_for(self, term: int) -> TermKey | None:
        for candidate in self.keys:
            if candidate.term == term:
                return candidate
        return None

    def with_new_term(self, key: bytes, install_time: float) -> Keyring:
        return Keyring(
            root_key=self.root_key,
            keys=(*self.keys, TermKey(self.active.term + 1, key, install_time)),
        )

    def with_root_key(self, root_key: bytes) -> Keyring:
        return Keyring(root_key=root_key, keys=self.keys)

    def serialize(self) -> bytes:
        packed: bytes = msgpack.packb(
            {
                "root_key": self.root_key,
                "keys": [[k.term, k.key, k.install_time] for k in self.keys],
            },
            use_bin_type=True,
        )
        return packed

    @classmethod
    def deserialize(cls, raw: bytes) -> Keyring:
        record = msgpack.unpackb(raw, raw=False)
        keys = tuple(TermKey(int(t), bytes(k), float(when)) for t, k, when in record["keys"])
        if not keys:
            raise ValueError("keyring holds no keys")
        return cls(root_key=bytes(record["root_key"]), keys=keys)
