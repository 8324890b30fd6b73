"""``seal "pkcs11"``: an AES key inside an HSM wraps the root key (CKM_AES_GCM).

The key never leaves the HSM; pyvault sends it the plaintext and gets back the
ciphertext. python-pkcs11 is an optional dependency (``pip install pyvault[hsm]``),
imported only when a pkcs11 seal is configured. PKCS#11 calls block, so they run
in a worker thread, one at a time (a session is not safe to share).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pyvault.seal.options import flag, option, required
from pyvault.seal.protocol import SealConfigError, SealError

CKM_AES_GCM = 0x1087
_MECHANISM_NAMES = {"ckm_aes_gcm": CKM_AES_GCM}
BLOB_VERSION = b"\x01"
NONCE_SIZE = 12
TAG_BITS = 128
KEY_BITS = 256


def _env(name: str) -> tuple[str, str]:
    return (f"BAO_HSM_{name}", f"VAULT_HSM_{name}")


def parse_mechanism(text: str) -> int:
    """Decimal, 0x-hex or the CKM_ name; only AES-GCM keeps the wrapping authenticated."""
    cleaned = text.strip().lower()
    if not cleaned:
        return CKM_AES_GCM
    try:
        value = _MECHANISM_NAMES.get(cleaned) or int(cleaned, 0)
    except ValueError:
        raise SealConfigError(f'mechanism "{text}" is not a number or a known name') from None
    if value != CKM_AES_GCM:
        raise SealConfigError(
            f"mechanism {text} is not supported; use CKM_AES_GCM (0x1087)"
        )
    return value


@dataclass(frozen=True, slots=True)
class PKCS11Options:
    lib: str
    key_label: str
    pin: str = field(repr=False)
    slot: int | None = None
    token_label: str = ""
    mechanism: int = CKM_AES_GCM
    generate_key: bool = False

    @classmethod
    def from_block(cls, options: Mapping[str, str]) -> PKCS11Options:
        slot_text = option(options, "slot", _env("SLOT"))
        token_label = option(options, "token_label", _env("TOKEN_LABEL"))
        if not slot_text and not token_label:
            raise SealConfigError('one of "slot" or "token_label" is required')
        try:
            slot = int(slot_text, 0) if slot_text else None
        except ValueError:
            raise SealConfigError(f'slot "{slot_text}" is not a number') from None
        return cls(
            lib=required(options, "lib", _env("LIB")),
            key_label=required(options, "key_label", _env("KEY_LABEL")),
            pin=required(options, "pin", _env("PIN")),
            slot=slot,
            token_label=token_label,
            mechanism=parse_mechanism(option(options, "mechanism", _env("MECHANISM"))),
            generate_key=flag(options, "generate_key", _env("GENERATE_KEY")),
        )


class PKCS11Seal:
    """Wraps with the HSM's AES key; a lost session is reopened once per call."""

    seal_type = "pkcs11"

    def __init__(self, options: PKCS11Options) -> None:
        self._options = options
        self._lock = threading.Lock()
        self._session: Any = None
        self._key: Any = None

    async def open(self) -> None:
        """Connect once; later calls keep the session (a lost one is reopened on use)."""
        if self._session is None:
            await asyncio.to_thread(self._locked, self._connect)

    async def close(self) -> None:
        await asyncio.to_thread(self._locked, self._disconnect)

    async def wrap(self, plaintext: bytes, aad: bytes) -> bytes:
        return await asyncio.to_thread(self._locked, lambda: self._retry(self._encrypt,
                                                                          plaintext, aad))

    async def unwrap(self, blob: bytes, aad: bytes) -> bytes:
        if not blob.startswith(BLOB_VERSION) or len(blob) < 1 + NONCE_SIZE + TAG_BITS // 8:
            raise SealError("pkcs11: the stored blob is not a pkcs11 seal blob")
        return await asyncio.to_thread(self._locked, lambda: self._retry(self._decrypt,
                                                                          blob, aad))

    # ---- in the worker thread ------------------------------------------------------

    def _locked(self, action: Any) -> Any:
        with self._lock:
            return action()

    def _retry(self, action: Any, data: bytes, aad: bytes) -> bytes:
        import pkcs11

        try:
            if self._session is None:
                self._connect()
            result: bytes = action(data, aad)
            return result
        except SealError:
            raise
        except pkcs11.PKCS11Error:
            # The token may have been re-inserted, or the session timed out.
            self._disconnect()
            try:
                self._connect()
                retried: bytes = action(data, aad)
                return retried
            except pkcs11.PKCS11Error as exc:
                self._disconnect()
                raise SealError(f"pkcs11: {_describe(exc)}") from None

    def _encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        from pkcs11 import GCMParams, Mechanism

        nonce = self._session.generate_random(NONCE_SIZE * 8)
        ciphertext = self._key.encrypt(
            plaintext, mechanism=Mechanism.AES_GCM,
            mechanism_param=GCMParams(nonce, aad, TAG_BITS),
        )
        return BLOB_VERSION + bytes(nonce) + bytes(ciphertext)

    def _decrypt(self, blob: bytes, aad: bytes) -> bytes:
        from pkcs11 import GCMParams, Mechanism

        nonce, ciphertext = blob[1:1 + NONCE_SIZE], blob[1 + NONCE_SIZE:]
        plaintext = self._key.decrypt(
            ciphertext, mechanism=Mechanism.AES_GCM,
            mechanism_param=GCMParams(nonce, aad, TAG_BITS),
        )
        return bytes(plaintext)

    def _connect(self) -> None:
        try:
            import pkcs11
        except ImportError:
            raise SealError(
                "pkcs11: python-pkcs11 is not installed (pip install 'pyvault[hsm]')"
            ) from None
        try:
            lib = pkcs11.lib(self._options.lib)
            # Re-read the module's configuration: tokens may have come or gone.
            lib.reinitialize()
            token = self._find_token(lib)
            session = token.open(rw=True, user_pin=self._options.pin)
            self._session, self._key = session, self._find_key(session)
        except RuntimeError as exc:  # PKCS11Error, and the loader's own errors
            self._disconnect()
            raise SealError(f"pkcs11: {_describe(exc)}") from None

    def _find_token(self, lib: Any) -> Any:
        import pkcs11

        if self._options.token_label:
            try:
                return lib.get_token(token_label=self._options.token_label)
            except pkcs11.NoSuchToken:
                raise SealError(
                    f'pkcs11: no token labelled "{self._options.token_label}"'
                ) from None
        for slot in lib.get_slots(token_present=True):
            if slot.slot_id == self._options.slot:
                return slot.get_token()
        raise SealError(f"pkcs11: no token in slot {self._options.slot}")

    def _find_key(self, session: Any) -> Any:
        import pkcs11
        from pkcs11 import Attribute, KeyType, MechanismFlag, ObjectClass

        label = self._options.key_label
        try:
            return session.get_key(ObjectClass.SECRET_KEY, KeyType.AES, label=label)
        except pkcs11.NoSuchKey:
            if not self._options.generate_key:
                raise SealError(
                    f'pkcs11: no AES key labelled "{label}" (set generate_key = "true" '
                    "to create it)"
                ) from None
        return session.generate_key(
            KeyType.AES, KEY_BITS, label=label, store=True,
            capabilities=MechanismFlag.ENCRYPT | MechanismFlag.DECRYPT,
            template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
        )

    def _disconnect(self) -> None:
        session, self._session, self._key = self._session, None, None
        if session is not None:
            with contextlib.suppress(RuntimeError):  # the token may be gone already
                session.close()


def _describe(exc: BaseException) -> str:
    """The PKCS#11 error's name (its text may be empty); never data or the PIN."""
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text and text != name else name
