"""Fixtures: a ResponseWrapper over a real TokenStore (in-memory storage), with the
cubbyhole revoke hook registered as the core registers it."""

from __future__ import annotations

import pytest

from pyvault.builtin.secrets.cubbyhole.backend import cubbyhole_owner, destroy_cubbyhole
from pyvault.core.wrapping import ResponseWrapper
from pyvault.http.envelope import envelope
from pyvault.logical.storage import StorageView
from pyvault.physical.inmem import InmemBackend
from pyvault.token.entry import TokenEntry
from pyvault.token.store import TokenStore
from pyvault.util.clock import FakeClock
from tests.unit.wrapping.support import SeededRandom


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_795_868_916.079251)


@pytest.fixture
def physical() -> InmemBackend:
    return InmemBackend()


@pytest.fixture
def cubby(physical: InmemBackend) -> StorageView:
    return StorageView(physical, "logical/cubbyhole-uuid/")


@pytest.fixture
async def tokens(physical: InmemBackend, clock: FakeClock, cubby: StorageView) -> TokenStore:
    store = TokenStore(StorageView(physical, "sys/token/"), SeededRandom(), clock)
    await store.load()

    async def destroy(entry: TokenEntry) -> None:
        await destroy_cubbyhole(cubby, cubbyhole_owner(entry))

    store.add_revoke_hook(destroy)
    return store


@pytest.fixture
def wrapper(tokens: TokenStore, cubby: StorageView, clock: FakeClock) -> ResponseWrapper:
    return ResponseWrapper(tokens, cubby, clock, envelope)


@pytest.fixture
async def caller(tokens: TokenStore) -> tuple[str, TokenEntry]:
    """An ordinary token that makes the requests (display name "token-alice")."""
    return await tokens.create_token(
        policies=["default"], parent=None, ttl=3600, display_name="token-alice",
    )
