"""sys/wrapping/* through the path table, as the sys backend serves them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pyvault.builtin.system.path_wrapping import (
    RESPONSE_WRAPPING_POLICY,
    WRAPPING_UNAUTHENTICATED_PATHS,
    WrappingPaths,
)
from pyvault.core.wrapping import ResponseWrapper
from pyvault.framework.backend import Backend
from pyvault.http.envelope import envelope
from pyvault.logical.errors import InvalidRequest, PermissionDenied
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.policy.acl import ACL
from pyvault.policy.policy import parse_policy
from pyvault.token.entry import TokenEntry
from pyvault.token.store import TokenStore


@pytest.fixture
def backend(wrapper: ResponseWrapper) -> Backend:
    return Backend(paths=WrappingPaths(wrapper).paths(), backend_type="system")


def request(path: str, *, data: dict[str, Any] | None = None, token: str = "",
            entry: TokenEntry | None = None, wrap_ttl: int = 0,
            operation: Operation = Operation.UPDATE) -> Request:
    return Request(operation=operation, path=path, data=data or {}, client_token=token,
                   token_entry=entry, wrap_ttl=wrap_ttl, mount_point="sys/",
                   request_id="req-wrap")


async def wrapped_token(wrapper: ResponseWrapper, data: dict[str, Any]) -> str:
    wrapped = await wrapper.wrap(Response(data=data, mount_type="system"), ttl=60,
                                 creation_path="sys/wrapping/wrap", parent=None,
                                 request_id="req-orig")
    assert wrapped is not None and wrapped.wrap_info is not None
    return wrapped.wrap_info.token


async def test_wrap_needs_a_wrap_ttl(backend: Backend) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await backend.handle(request("wrapping/wrap", data={"a": 1}))
    assert caught.value.messages == ["endpoint requires response wrapping to be used"]


async def test_wrap_echoes_any_body_for_the_core_to_wrap(backend: Backend) -> None:
    body = {"a": 1, "token": "not special here", "n": None}
    response = await backend.handle(request("wrapping/wrap", data=body, wrap_ttl=60))
    assert response is not None and response.data == body
    assert response.warnings == []  # arbitrary input: nothing is "unrecognized"


async def test_unwrap_by_body_token_returns_the_stored_bytes_once(
    backend: Backend, wrapper: ResponseWrapper, caller: tuple[str, TokenEntry]
) -> None:
    token = await wrapped_token(wrapper, {"secret": "s3cr3t"})
    answer = await backend.handle(request("wrapping/unwrap", data={"token": token},
                                          token=caller[0], entry=caller[1]))
    assert answer is not None and answer.raw_body is not None
    assert (answer.status, answer.content_type) == (200, "application/json")
    assert json.loads(answer.raw_body) == envelope(
        Response(data={"secret": "s3cr3t"}, mount_type="system"), "req-orig")
    with pytest.raises(InvalidRequest) as caught:
        await backend.handle(request("wrapping/unwrap", data={"token": token},
                                     token=caller[0], entry=caller[1]))
    assert caught.value.messages == ["wrapping token is not valid or does not exist"]


async def test_unwrap_with_the_wrapping_token_as_client_token(
    backend: Backend, wrapper: ResponseWrapper, tokens: TokenStore
) -> None:
    token = await wrapped_token(wrapper, {"k": "v"})
    entry = await tokens.lookup(token)
    assert entry is not None
    await tokens.use(entry)  # the pipeline spends the single use before the handler
    answer = await backend.handle(request("wrapping/unwrap", token=token, entry=entry))
    assert answer is not None and answer.raw_body is not None
    assert json.loads(answer.raw_body)["data"] == {"k": "v"}


async def test_unwrap_input_errors(
    backend: Backend, caller: tuple[str, TokenEntry]
) -> None:
    with pytest.raises(PermissionDenied) as denied:
        await backend.handle(request("wrapping/unwrap", data={"token": ""}, token=caller[0],
                                     entry=caller[1]))
    assert denied.value.messages == [
        "error validating wrapping token: empty token in request body"]
    # The caller's own (ordinary) token is no wrapping token.
    with pytest.raises(InvalidRequest):
        await backend.handle(request("wrapping/unwrap", token=caller[0], entry=caller[1]))


@pytest.mark.parametrize("operation", [Operation.UPDATE, Operation.READ])
async def test_lookup_shows_creation_details(
    backend: Backend, wrapper: ResponseWrapper, operation: Operation
) -> None:
    token = await wrapped_token(wrapper, {"a": 1})
    by_body = await backend.handle(request("wrapping/lookup", data={"token": token},
                                           operation=operation))
    assert by_body is not None and by_body.data is not None
    assert list(by_body.data) == ["creation_path", "creation_time", "creation_ttl"]
    assert by_body.data["creation_ttl"] == 60
    assert by_body.data["creation_path"] == "sys/wrapping/wrap"
    # Looking up does not spend the token: it still unwraps.
    answer = await backend.handle(request("wrapping/unwrap", data={"token": token}))
    assert answer is not None and answer.raw_body is not None


async def test_rewrap_issues_a_new_token(
    backend: Backend, wrapper: ResponseWrapper, caller: tuple[str, TokenEntry]
) -> None:
    token = await wrapped_token(wrapper, {"a": 1})
    response = await backend.handle(request("wrapping/rewrap", data={"token": token},
                                            token=caller[0], entry=caller[1]))
    assert response is not None and response.wrap_info is not None
    fresh = response.wrap_info
    assert fresh.token != token
    assert (fresh.ttl, fresh.creation_path) == (60, "sys/wrapping/wrap")
    with pytest.raises(InvalidRequest):
        await backend.handle(request("wrapping/lookup", data={"token": token}))
    answer = await backend.handle(request("wrapping/unwrap", data={"token": fresh.token}))
    assert answer is not None and answer.raw_body is not None
    assert json.loads(answer.raw_body)["request_id"] == "req-orig"


def test_the_response_wrapping_policy_allows_unwrapping_and_nothing_else() -> None:
    acl = ACL.compile([parse_policy("response-wrapping", RESPONSE_WRAPPING_POLICY)])
    assert acl.capabilities("sys/wrapping/unwrap") == ["update"]
    assert sorted(acl.capabilities("cubbyhole/response")) == ["create", "read"]
    for path in ("sys/wrapping/rewrap", "sys/wrapping/lookup", "cubbyhole/wrapinfo",
                 "auth/token/lookup-self", "secret/data/x"):
        assert acl.capabilities(path) == ["deny"]


def test_only_lookup_is_unauthenticated() -> None:
    assert WRAPPING_UNAUTHENTICATED_PATHS == ("wrapping/lookup",)


async def test_help(backend: Backend) -> None:
    response = await backend.handle(request("wrapping/unwrap", operation=Operation.HELP))
    assert response is not None and response.data is not None
    assert "Unwraps a response-wrapped token." in response.data["help"]
