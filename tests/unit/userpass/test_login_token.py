"""The core's half of a login: the Auth a method returns becomes a real orphan token
(TTL from Vault's arithmetic against the mount), and renewing it asks the method."""

from __future__ import annotations

import pytest

from pyvault.builtin.auth.userpass import model
from pyvault.core.core import Core
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Connection, Request
from pyvault.logical.response import Response
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock


@pytest.fixture(autouse=True)
def cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "BCRYPT_COST", 4)


async def unsealed() -> tuple[Core, str, FakeClock]:
    clock = FakeClock()
    core = Core(InmemBackend(), clock=clock)
    await core.open()
    result = await core.initialize(1, 1)
    await core.unseal(result.keys[0].hex())
    return core, result.root_token, clock


def req(op: Operation, path: str, token: str = "", **data: object) -> Request:
    return Request(operation=op, path=path, client_token=token, data=dict(data),
                   connection=Connection(remote_addr="127.0.0.1"))


async def call(core: Core, op: Operation, path: str, token: str = "",
               **data: object) -> Response | None:
    return await core.handle(req(op, path, token, **data))


async def setup_user(core: Core, root: str, **params: object) -> None:
    await call(core, Operation.UPDATE, "sys/auth/userpass", root, type="userpass")
    await call(core, Operation.UPDATE, "auth/userpass/users/amy", root, password="pw",
               **params)


async def test_login_mints_an_orphan_token_with_the_login_path() -> None:
    core, root, _ = await unsealed()
    await setup_user(core, root, token_policies="p1", token_ttl="1h", token_num_uses=4)
    response = await call(core, Operation.UPDATE, "auth/userpass/login/amy", password="pw")
    assert response is not None and response.auth is not None
    auth = response.auth
    assert auth.client_token.startswith("hvs.") and auth.accessor
    assert (auth.policies, auth.lease_duration, auth.num_uses) == (["default", "p1"], 3600, 4)
    assert auth.orphan and auth.renewable and auth.token_type == "service"
    entry = await core.tokens.lookup(auth.client_token)
    assert entry is not None and entry.orphan
    assert (entry.path, entry.display_name, entry.meta) == (
        "auth/userpass/login/amy", "userpass-amy", {"username": "amy"})
    lease = await core.expiration.token_lease(entry)
    assert lease is not None and lease.ttl == 3600


async def test_ttl_is_capped_by_the_mount_with_a_warning() -> None:
    core, root, _ = await unsealed()
    await call(core, Operation.UPDATE, "sys/auth/userpass", root, type="userpass",
               config={"max_lease_ttl": "2h"})
    await call(core, Operation.UPDATE, "auth/userpass/users/amy", root, password="pw",
               token_ttl="5h")
    response = await call(core, Operation.UPDATE, "auth/userpass/login/amy", password="pw")
    assert response is not None and response.auth is not None
    assert response.auth.lease_duration == 7200
    assert response.warnings == [
        'TTL of "5h" exceeded the effective max_ttl of "2h"; TTL value is capped accordingly']


async def test_renewal_goes_through_the_method() -> None:
    core, root, clock = await unsealed()
    await setup_user(core, root, token_policies="p1", token_ttl="30m")
    response = await call(core, Operation.UPDATE, "auth/userpass/login/amy", password="pw")
    assert response is not None and response.auth is not None
    token = response.auth.client_token
    clock.advance(60)
    renewed = await call(core, Operation.UPDATE, "auth/token/renew-self", token)
    assert renewed is not None and renewed.auth is not None
    assert renewed.auth.lease_duration == 1800  # the user's current token_ttl
    await call(core, Operation.UPDATE, "auth/userpass/users/amy/policies", root,
               token_policies="other")
    with pytest.raises(InvalidRequest, match="policies have changed, not renewing"):
        await call(core, Operation.UPDATE, "auth/token/renew-self", token)
    await call(core, Operation.DELETE, "auth/userpass/users/amy", root)
    entry = await core.tokens.lookup(token)
    assert entry is not None
    before = entry.expire_time
    clock.advance(60)
    assert await call(core, Operation.UPDATE, "auth/token/renew-self", token) is None
    assert entry.expire_time == before  # a deleted user's token is not extended


async def test_batch_login_token() -> None:
    core, root, _ = await unsealed()
    await setup_user(core, root, token_type="batch", token_ttl="5m")
    response = await call(core, Operation.UPDATE, "auth/userpass/login/amy", password="pw")
    assert response is not None and response.auth is not None
    auth = response.auth
    assert auth.client_token.startswith("hvb.") and auth.accessor == ""
    assert (auth.token_type, auth.renewable, auth.lease_duration) == ("batch", False, 300)
    assert await core.tokens.lookup(auth.client_token) is not None
