"""Token renewal: increments, the mount max, explicit max TTLs and periods."""

from __future__ import annotations

import pytest

from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from tests.unit.token.support import Env, FixedSystem, make_env


@pytest.fixture
async def env() -> Env:
    return await make_env()


async def renew(env: Env, path: str, data: dict[str, object],
                token: str | None = None) -> tuple[int, list[str]]:
    response = await env.call(path, data, token=token)
    assert response is not None and response.auth is not None
    return response.auth.lease_duration, response.warnings


async def test_renew_with_and_without_increment(env: Env) -> None:
    token, _ = await env.create(policies=["dev"], ttl="2h")
    env.clock.advance(1800)
    assert await renew(env, "renew", {"token": token, "increment": "1h"}) == (3600, [])
    entry = await env.entry(token)
    assert entry is not None and entry.expire_time == env.clock.now() + 3600
    # Without an increment the last granted TTL is granted again.
    assert await renew(env, "renew", {"token": token}) == (3600, [])
    response = await env.call("lookup", {"token": token})
    assert response is not None and response.data is not None
    assert response.data["last_renewal_time"] == int(env.clock.now())
    assert response.data["creation_ttl"] == 7200


async def test_explicit_max_ttl_caps_renewals(env: Env) -> None:
    token, _ = await env.create(policies=["dev"], ttl="2h", explicit_max_ttl="5h")
    assert await renew(env, "renew", {"token": token, "increment": "10h"}) == (18000, [
        'TTL of "10h" exceeded the effective max_ttl of "5h"; TTL value is capped accordingly'])
    env.clock.advance(4 * 3600)
    assert (await renew(env, "renew", {"token": token, "increment": "2h"}))[0] == 3600


async def test_mount_max_ttl_caps_renewals() -> None:
    env = await make_env(system=FixedSystem(default=3600, maximum=36000))
    token, _ = await env.create(policies=["dev"])
    assert (await renew(env, "renew", {"token": token}))[0] == 3600
    env.clock.advance(3000)
    ttl, warnings = await renew(env, "renew", {"token": token, "increment": "10h"})
    assert ttl == 33000 and warnings == [
        'TTL of "10h" exceeded the effective max_ttl of "9h10m"; TTL value is capped '
        "accordingly"]
    env.clock.advance(33000)
    assert await env.entry(token) is None


async def test_periodic_tokens_renew_past_the_mount_max() -> None:
    env = await make_env(system=FixedSystem(default=600, maximum=7200))
    token, _ = await env.create(policies=["dev"], period="1h")
    for _ in range(10):  # 30000 s: far past the mount's max TTL of 2h
        env.clock.advance(3000)
        assert await renew(env, "renew-self", {"increment": "5h"}, token=token) == (3600, [])
    assert await env.entry(token) is not None
    response = await env.call("create", {"period": "3h"})
    assert response is not None and response.warnings == [
        'period of "3h" exceeded the effective max_ttl of "2h"; period value is capped '
        "accordingly"]


async def test_renew_accessor_hides_the_token(env: Env) -> None:
    _token, accessor = await env.create(policies=["dev"], ttl="1h", num_uses=5)
    response = await env.call("renew-accessor", {"accessor": accessor, "increment": 600})
    assert response is not None and response.auth is not None
    assert response.auth.client_token == "" and response.auth.accessor == accessor
    assert response.auth.lease_duration == 600 and response.auth.num_uses == 5


@pytest.mark.parametrize(("path", "data", "message"), [
    ("renew", {"token": "root"}, "lease is not renewable"),
    ("renew", {"token": "bad"}, "token not found"),
    ("renew", {}, "missing token ID"),
    ("renew-accessor", {}, "1 error occurred:\n\t* missing accessor\n\n"),
    ("renew-accessor", {"accessor": "bad"}, "1 error occurred:\n\t* invalid accessor\n\n"),
])
async def test_renew_errors(env: Env, path: str, data: dict[str, object], message: str) -> None:
    await env.create(policies=["root"])  # "root" itself has no lease; a created one does
    with pytest.raises(InvalidRequest) as caught:
        await env.call(path, data)
    assert str(caught.value) in (message, "invalid lease ID")


async def test_non_renewable_and_batch_tokens(env: Env) -> None:
    fixed, _ = await env.create(policies=["dev"], renewable=False)
    batch, _ = await env.create(policies=["dev"], type="batch")
    for token, message in [(fixed, "lease is not renewable"),
                           (batch, "batch tokens cannot be renewed")]:
        with pytest.raises(InvalidRequest) as caught:
            await env.call("renew", {"token": token})
        assert str(caught.value) == message


async def test_role_period_applies_at_renewal(env: Env) -> None:
    await env.call("roles/p", {"token_period": "30m"})
    response = await env.call("create/p", {"policies": ["dev"]})
    assert response is not None and response.auth is not None
    token = response.auth.client_token
    await env.call("roles/p", {"token_period": "10m"})  # the role's current value wins
    assert await renew(env, "renew", {"token": token, "increment": "5h"}) == (600, [])
    await env.call("roles/p", op=Operation.DELETE)
    with pytest.raises(InvalidRequest) as caught:
        await env.call("renew", {"token": token})
    assert str(caught.value) == 'original token role "p" could not be found, not renewing'
