"""ResponseWrapper: wrapping tokens, what the cubbyhole holds, single use, rewrap."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from pyvault.builtin.secrets.cubbyhole.storage import read_entry
from pyvault.core.wrapping import WRAPPING_TOKEN_PATHS, ResponseWrapper, is_wrapping_token
from pyvault.http.envelope import envelope
from pyvault.logical.errors import InvalidRequest, PermissionDenied, UnsupportedPath
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Auth, Response, WrapInfo
from pyvault.logical.storage import StorageView
from pyvault.token.entry import TokenEntry
from pyvault.token.store import TokenStore
from pyvault.util.clock import FakeClock

CREATED = "2026-11-28T12:28:36.079251000Z"  # the FakeClock's start, as Vault formats it


def secret_response() -> Response:
    return Response(data={"a": 1, "big": 12345678901234567890, "nested": {"x": [1, None]}},
                    warnings=["careful"], mount_type="system")


def token_create_response() -> Response:
    auth = Auth(client_token="hvs.child", accessor="child-accessor", policies=["default"],
                token_policies=["default"], lease_duration=3600, renewable=True)
    return Response(auth=auth, mount_type="token")


async def wrap(wrapper: ResponseWrapper, response: Response, parent: TokenEntry | None,
               path: str = "sys/wrapping/wrap", ttl: int = 90) -> WrapInfo:
    wrapped = await wrapper.wrap(response, ttl=ttl, creation_path=path, parent=parent,
                                 request_id="req-1")
    assert wrapped is not None and wrapped.wrap_info is not None
    return wrapped.wrap_info


def body_request(token: Any, client_token: str = "", entry: TokenEntry | None = None,
                 path: str = "sys/wrapping/unwrap") -> Request:
    data = {} if token is None else {"token": token}
    return Request(operation=Operation.UPDATE, path=path, data=data,
                   client_token=client_token, token_entry=entry)


async def test_wrap_returns_only_wrap_info_and_the_warnings(
    wrapper: ResponseWrapper, caller: tuple[str, TokenEntry]
) -> None:
    wrapped = await wrapper.wrap(secret_response(), ttl=90, creation_path="sys/wrapping/wrap",
                                 parent=caller[1], request_id="req-1")
    assert wrapped is not None
    assert wrapped.data is None and wrapped.auth is None and wrapped.secret is None
    assert wrapped.warnings == ["careful"]
    info = wrapped.wrap_info
    assert info is not None
    assert info.token.startswith("hvs.") and info.accessor
    assert (info.ttl, info.creation_time, info.creation_path) == (90, CREATED,
                                                                  "sys/wrapping/wrap")
    assert info.wrapped_accessor == ""


async def test_the_wrapping_token_is_an_orphan_single_use_response_wrapping_token(
    wrapper: ResponseWrapper, tokens: TokenStore, caller: tuple[str, TokenEntry],
    clock: FakeClock,
) -> None:
    info = await wrap(wrapper, secret_response(), caller[1], path="secret/foo", ttl=300)
    entry = await tokens.lookup(info.token)
    assert entry is not None and is_wrapping_token(entry)
    assert entry.policies == ["response-wrapping"]
    assert (entry.num_uses, entry.ttl, entry.explicit_max_ttl) == (1, 300, 300)
    assert (entry.orphan, entry.renewable, entry.parent_hash) == (True, False, "")
    assert (entry.path, entry.display_name) == ("secret/foo", "token-alice")
    assert entry.accessor == info.accessor
    clock.advance(301)
    assert await tokens.lookup(info.token) is None  # expires with its TTL


async def test_the_cubbyhole_holds_the_rendered_answer_and_the_wrap_info(
    wrapper: ResponseWrapper, tokens: TokenStore, cubby: StorageView,
    caller: tuple[str, TokenEntry],
) -> None:
    response = secret_response()
    info = await wrap(wrapper, response, caller[1])
    entry = await tokens.lookup(info.token)
    assert entry is not None
    stored = await read_entry(cubby, entry.token_hash, "response")
    assert stored is not None and set(stored) == {"response"}
    assert json.loads(stored["response"]) == envelope(response, "req-1")
    wrapinfo = await read_entry(cubby, entry.token_hash, "wrapinfo")
    # creation_ttl in nanoseconds: Vault stores a Go time.Duration there.
    assert wrapinfo == {"creation_ttl": 90_000_000_000, "creation_time": CREATED,
                        "creation_path": "sys/wrapping/wrap"}


async def test_unwrap_gives_the_original_answer_once(
    wrapper: ResponseWrapper, tokens: TokenStore, caller: tuple[str, TokenEntry]
) -> None:
    response = secret_response()
    info = await wrap(wrapper, response, caller[1])
    entry = await wrapper.validate_token(body_request(info.token, *caller))
    raw = await wrapper.unwrap(entry)
    body = json.loads(raw)
    assert body == envelope(response, "req-1")
    assert body["request_id"] == "req-1"  # the wrapped request's, as Vault keeps it
    assert body["data"]["big"] == 12345678901234567890
    assert await tokens.entry_by_accessor(info.accessor) is None  # revoked, not just spent
    with pytest.raises(InvalidRequest) as caught:
        await wrapper.validate_token(body_request(info.token, *caller))
    assert caught.value.messages == ["wrapping token is not valid or does not exist"]


async def test_unwrap_of_a_spent_entry_is_refused_not_replayed(
    wrapper: ResponseWrapper, caller: tuple[str, TokenEntry]
) -> None:
    info = await wrap(wrapper, secret_response(), caller[1])
    entry = await wrapper.validate_token(body_request(info.token, *caller))
    await wrapper.unwrap(entry)
    # A second request that validated before the first one spent the token:
    with pytest.raises(InvalidRequest):
        await wrapper.unwrap(entry)


async def test_concurrent_unwraps_of_one_token_yield_one_answer(
    wrapper: ResponseWrapper, caller: tuple[str, TokenEntry]
) -> None:
    info = await wrap(wrapper, secret_response(), caller[1])
    entry = await wrapper.validate_token(body_request(info.token, *caller))
    results = await asyncio.gather(wrapper.unwrap(entry), wrapper.unwrap(entry),
                                   return_exceptions=True)
    answers = [r for r in results if isinstance(r, bytes)]
    refusals = [r for r in results if isinstance(r, InvalidRequest)]
    assert (len(answers), len(refusals)) == (1, 1)


async def test_first_party_unwrap_uses_the_entry_the_pipeline_already_spent(
    wrapper: ResponseWrapper, tokens: TokenStore
) -> None:
    info = await wrap(wrapper, secret_response(), None)
    entry = await tokens.lookup(info.token)
    assert entry is not None
    await tokens.use(entry)  # the pipeline's use: the last one leaves it revocation-pending
    assert await tokens.lookup(info.token) is None
    request = body_request(None, client_token=info.token, entry=entry)
    resolved = await wrapper.validate_token(request)
    assert json.loads(await wrapper.unwrap(resolved))["data"]["a"] == 1
    await tokens.release(entry)  # what the pipeline does after the request: a no-op now
    assert await tokens.entry_by_accessor(info.accessor) is None


async def test_wrapping_a_token_create_keeps_the_auth_block(
    wrapper: ResponseWrapper, caller: tuple[str, TokenEntry]
) -> None:
    response = token_create_response()
    info = await wrap(wrapper, response, caller[1], path="auth/token/create")
    assert info.wrapped_accessor == "child-accessor"
    entry = await wrapper.validate_token(body_request(info.token, *caller))
    body = json.loads(await wrapper.unwrap(entry))
    assert body["auth"]["client_token"] == "hvs.child"
    assert body["auth"]["accessor"] == "child-accessor"
    assert body["data"] is None


async def test_approle_secret_id_accessor_is_the_wrapped_accessor(
    wrapper: ResponseWrapper,
) -> None:
    response = Response(data={"secret_id": "s", "secret_id_accessor": "sid-acc"},
                        mount_type="approle")
    info = await wrap(wrapper, response, None, path="auth/approle/role/r/secret-id")
    assert info.wrapped_accessor == "sid-acc"


async def test_an_empty_listing_is_not_wrapped(wrapper: ResponseWrapper) -> None:
    for empty in (Response(data={"keys": []}), Response(data={}), Response(), None):
        with pytest.raises(UnsupportedPath) as caught:
            await wrapper.wrap(empty, ttl=60, creation_path="kv/", parent=None,
                               operation=Operation.LIST)
        assert caught.value.messages == ["unsupported path"]
    listed = await wrapper.wrap(Response(data={"keys": ["a"]}), ttl=60, creation_path="kv/",
                                parent=None, operation=Operation.LIST)
    assert listed is not None and listed.wrap_info is not None


async def test_nothing_to_wrap_passes_through(wrapper: ResponseWrapper) -> None:
    assert await wrapper.wrap(None, ttl=60, creation_path="kv/x", parent=None) is None
    raw = Response(raw_body=b"-----BEGIN CERTIFICATE-----", content_type="text/plain")
    assert await wrapper.wrap(raw, ttl=60, creation_path="pki/ca/pem", parent=None) is raw
    first = await wrapper.wrap(Response(data={"a": 1}), ttl=60, creation_path="x", parent=None)
    assert first is not None
    again = await wrapper.wrap(first, ttl=60, creation_path="x", parent=None)
    assert again is first  # already wrapped (rewrap answers): never wrapped twice


@pytest.mark.parametrize(
    ("token", "client_token", "message"),
    [
        (5, "hvs.caller", "error validating wrapping token: could not decode token in "
                          "request body"),
        ("", "hvs.caller", "error validating wrapping token: empty token in request body"),
        (None, "", "error validating wrapping token: token is empty"),
    ],
)
async def test_malformed_token_input_is_403_with_vaults_text(
    wrapper: ResponseWrapper, token: Any, client_token: str, message: str
) -> None:
    with pytest.raises(PermissionDenied) as caught:
        await wrapper.validate_token(body_request(token, client_token))
    assert caught.value.messages == [message]


async def test_unknown_or_non_wrapping_tokens_are_400(
    wrapper: ResponseWrapper, caller: tuple[str, TokenEntry]
) -> None:
    for request in (body_request("hvs.nope"), body_request(caller[0]),
                    body_request(None, client_token=caller[0], entry=caller[1])):
        with pytest.raises(InvalidRequest) as caught:
            await wrapper.validate_token(request)
        assert caught.value.status == 400
        assert caught.value.messages == ["wrapping token is not valid or does not exist"]


async def test_lookup_reports_creation_details_without_spending(
    wrapper: ResponseWrapper, caller: tuple[str, TokenEntry]
) -> None:
    info = await wrap(wrapper, secret_response(), caller[1], path="auth/token/create")
    entry = await wrapper.validate_token(body_request(info.token, path="sys/wrapping/lookup"))
    details = await wrapper.lookup(entry)
    assert details is not None
    assert (details.creation_ttl, details.creation_time, details.creation_path) == (
        90, CREATED, "auth/token/create")
    assert await wrapper.validate_token(body_request(info.token)) is not None


async def test_rewrap_moves_the_answer_to_a_new_token(
    wrapper: ResponseWrapper, tokens: TokenStore, caller: tuple[str, TokenEntry],
    clock: FakeClock,
) -> None:
    original = token_create_response()
    first = await wrap(wrapper, original, caller[1], path="auth/token/create", ttl=120)
    clock.advance(5)
    old = await wrapper.validate_token(body_request(first.token, *caller))
    rewrapped = await wrapper.rewrap(old, parent=caller[1])
    second = rewrapped.wrap_info
    assert second is not None and second.token != first.token
    assert (second.ttl, second.creation_path) == (120, "auth/token/create")
    assert second.creation_time == "2026-11-28T12:28:41.079251000Z"
    assert second.wrapped_accessor == ""  # Vault loses it on rewrap too
    new_entry = await tokens.lookup(second.token)
    assert new_entry is not None and new_entry.path == "sys/wrapping/rewrap"
    with pytest.raises(InvalidRequest):
        await wrapper.validate_token(body_request(first.token, *caller))
    entry = await wrapper.validate_token(body_request(second.token, *caller))
    assert json.loads(await wrapper.unwrap(entry)) == envelope(original, "req-1")


def test_the_paths_validated_before_authentication() -> None:
    assert {"sys/wrapping/lookup", "sys/wrapping/rewrap",
            "sys/wrapping/unwrap"} == WRAPPING_TOKEN_PATHS


async def test_revoking_a_wrapping_token_destroys_its_cubbyhole(
    wrapper: ResponseWrapper, tokens: TokenStore, cubby: StorageView,
    caller: tuple[str, TokenEntry],
) -> None:
    info = await wrap(wrapper, secret_response(), caller[1])
    entry = await tokens.lookup(info.token)
    assert entry is not None
    await tokens.revoke(entry)  # what expiry does, through the revoke hook
    assert await cubby.list("") == []


async def test_revoking_the_creator_leaves_the_wrapping_token_alone(
    wrapper: ResponseWrapper, tokens: TokenStore, caller: tuple[str, TokenEntry]
) -> None:
    info = await wrap(wrapper, secret_response(), caller[1])
    await tokens.revoke(caller[1])
    entry = await wrapper.validate_token(body_request(info.token))
    assert json.loads(await wrapper.unwrap(entry))["data"]["a"] == 1


async def test_the_cubbyhole_view_may_be_supplied_lazily(
    tokens: TokenStore, cubby: StorageView, clock: FakeClock
) -> None:
    # The core only has the cubbyhole mount's view after unseal: it passes a function.
    lazy = ResponseWrapper(tokens, lambda: cubby, clock, envelope)
    info = await wrap(lazy, secret_response(), None)
    entry = await lazy.validate_token(body_request(info.token))
    assert json.loads(await lazy.unwrap(entry))["data"]["a"] == 1
