"""The cubbyhole engine through its path table: per-token storage, Vault's answers."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.builtin.secrets.cubbyhole.backend import cubbyhole_backend, destroy_cubbyhole
from pyvault.crypto.random import SystemRandom
from pyvault.framework.backend import Backend
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import StorageView
from pyvault.logical.system_view import BackendConfig
from pyvault.physical.inmem import InmemBackend
from pyvault.token.entry import TokenEntry
from pyvault.util.clock import FakeClock

ALICE = TokenEntry(token_hash="a" * 64, accessor="acc-alice", policies=["default"])
BOB = TokenEntry(token_hash="b" * 64, accessor="acc-bob", policies=["root"])
WRAPPER = TokenEntry(token_hash="c" * 64, accessor="acc-w", policies=["response-wrapping"])


class _System:
    def default_lease_ttl(self) -> int:
        return 3600

    def max_lease_ttl(self) -> int:
        return 7200


@pytest.fixture
def physical() -> InmemBackend:
    return InmemBackend()


@pytest.fixture
def storage(physical: InmemBackend) -> StorageView:
    return StorageView(physical, "logical/cubby-uuid/")


@pytest.fixture
def backend() -> Backend:
    config = BackendConfig(system=_System(), clock=FakeClock(), random=SystemRandom(),
                           mount_type="cubbyhole")
    return cubbyhole_backend(config)


async def call(
    backend: Backend, storage: StorageView, operation: Operation, path: str,
    data: dict[str, Any] | None = None, token: TokenEntry | None = ALICE,
) -> Response | None:
    request = Request(operation=operation, path=path, data=data or {}, storage=storage,
                      token_entry=token, mount_point="cubbyhole/", mount_type="cubbyhole")
    return await backend.handle(request)


async def test_write_then_read_returns_the_json_as_written(
    backend: Backend, storage: StorageView
) -> None:
    secret = {"a": 1, "nested": {"list": [1, "two", None, True]}, "f": 1.5}
    assert await call(backend, storage, Operation.CREATE, "foo", secret) is None
    read = await call(backend, storage, Operation.READ, "foo")
    assert read is not None
    assert read.data == secret
    assert read.warnings == []


async def test_a_ttl_field_is_plain_data_with_no_lease(
    backend: Backend, storage: StorageView
) -> None:
    await call(backend, storage, Operation.UPDATE, "foo/bar", {"x": "y", "ttl": "1h"})
    read = await call(backend, storage, Operation.READ, "foo/bar")
    assert read is not None
    assert read.data == {"x": "y", "ttl": "1h"}
    assert read.secret is None


async def test_tokens_never_see_each_others_entries(
    backend: Backend, storage: StorageView
) -> None:
    await call(backend, storage, Operation.UPDATE, "shared", {"owner": "alice"})
    assert await call(backend, storage, Operation.READ, "shared", token=BOB) is None
    assert await call(backend, storage, Operation.LIST, "", token=BOB) is None
    await call(backend, storage, Operation.UPDATE, "shared", {"owner": "bob"}, token=BOB)
    alice = await call(backend, storage, Operation.READ, "shared")
    assert alice is not None and alice.data == {"owner": "alice"}


async def test_entries_are_stored_under_the_token_hash(
    backend: Backend, storage: StorageView, physical: InmemBackend
) -> None:
    await call(backend, storage, Operation.UPDATE, "k", {"v": 1})
    assert await physical.list("logical/cubby-uuid/") == [ALICE.token_hash + "/"]


async def test_list_shows_one_level_with_folders(backend: Backend, storage: StorageView) -> None:
    for path in ("foo", "foo/bar", "a/b/c"):
        await call(backend, storage, Operation.UPDATE, path, {"v": 1})
    root = await call(backend, storage, Operation.LIST, "")
    assert root is not None and root.data == {"keys": ["a/", "foo", "foo/"]}
    for path in ("a", "a/"):  # with or without the trailing slash
        nested = await call(backend, storage, Operation.LIST, path)
        assert nested is not None and nested.data == {"keys": ["b/"]}
    # Nothing there: None, which the HTTP layer turns into 404 {"errors": []}.
    assert await call(backend, storage, Operation.LIST, "nope/") is None


async def test_delete_removes_and_tolerates_missing(
    backend: Backend, storage: StorageView
) -> None:
    await call(backend, storage, Operation.UPDATE, "foo", {"v": 1})
    assert await call(backend, storage, Operation.DELETE, "foo") is None
    assert await call(backend, storage, Operation.READ, "foo") is None
    assert await call(backend, storage, Operation.DELETE, "never-written") is None


async def test_existence_check_tells_create_from_update(
    backend: Backend, storage: StorageView
) -> None:
    request = Request(operation=Operation.UPDATE, path="foo", data={"v": 1}, storage=storage,
                      token_entry=ALICE)
    assert await backend.exists(request) is False
    await backend.handle(request)
    assert await backend.exists(request) is True


@pytest.mark.parametrize(
    ("operation", "path", "data", "message"),
    [
        (Operation.UPDATE, "foo", {}, "missing data fields"),
        (Operation.UPDATE, "", {"a": 1}, "missing path"),
        (Operation.READ, "", {}, "missing path"),
    ],
)
async def test_bad_input_is_a_400_with_vaults_multierror_text(
    backend: Backend, storage: StorageView, operation: Operation, path: str,
    data: dict[str, Any], message: str,
) -> None:
    # Vault answers 500 here; it is bad input, so pyvault answers 400 with Vault's text.
    with pytest.raises(InvalidRequest) as caught:
        await call(backend, storage, operation, path, data)
    assert caught.value.status == 400
    assert caught.value.messages == [f"1 error occurred:\n\t* {message}\n\n"]


async def test_a_request_without_a_token_entry_fails_closed(
    backend: Backend, storage: StorageView
) -> None:
    for operation in (Operation.READ, Operation.UPDATE, Operation.DELETE, Operation.LIST):
        with pytest.raises(InvalidRequest) as caught:
            await call(backend, storage, operation, "foo", {"a": 1}, token=None)
        assert caught.value.messages == ["1 error occurred:\n\t* client token empty\n\n"]


async def test_relative_paths_are_refused(backend: Backend, storage: StorageView) -> None:
    with pytest.raises(InvalidRequest):
        await call(backend, storage, Operation.READ, "a/../b")


async def test_reading_response_with_a_wrapping_token_warns(
    backend: Backend, storage: StorageView
) -> None:
    await call(backend, storage, Operation.UPDATE, "response", {"response": "{}"}, WRAPPER)
    read = await call(backend, storage, Operation.READ, "response", token=WRAPPER)
    assert read is not None and read.warnings == [
        "Reading from 'cubbyhole/response' is deprecated. Please use sys/wrapping/unwrap to "
        "unwrap responses, as it provides additional security checks and other benefits."
    ]
    # Any other token reading its own "response" entry gets no warning.
    await call(backend, storage, Operation.UPDATE, "response", {"x": 1})
    plain = await call(backend, storage, Operation.READ, "response")
    assert plain is not None and plain.warnings == []


async def test_writes_take_any_fields_without_warnings(
    backend: Backend, storage: StorageView
) -> None:
    # Every body field is the secret: no "ignored these unrecognized parameters".
    assert await call(backend, storage, Operation.UPDATE, "k", {"anything": 1}) is None


async def test_destroy_cubbyhole_removes_only_that_token(
    backend: Backend, storage: StorageView
) -> None:
    for path in ("a", "b/c", "b/d/e"):
        await call(backend, storage, Operation.UPDATE, path, {"v": path})
    await call(backend, storage, Operation.UPDATE, "a", {"v": "bob"}, token=BOB)
    await destroy_cubbyhole(storage, ALICE.token_hash)
    assert await call(backend, storage, Operation.LIST, "") is None
    bob = await call(backend, storage, Operation.READ, "a", token=BOB)
    assert bob is not None and bob.data == {"v": "bob"}
    with pytest.raises(ValueError, match="client token empty"):
        await destroy_cubbyhole(storage, "")


async def test_help_describes_the_engine(backend: Backend, storage: StorageView) -> None:
    response = await call(backend, storage, Operation.HELP, "foo")
    assert response is not None and response.data is not None
    assert "per-token cubbyhole" in response.data["help"]
