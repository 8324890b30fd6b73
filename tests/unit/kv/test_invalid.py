"""Paths a v2 mount does not serve: 404 with a warning that says what to use."""

from __future__ import annotations

import pytest

from pyvault.logical.operation import Operation
from tests.unit.kv.support import KV

HINT = ("Invalid path for a versioned K/V secrets engine. See the API docs for the "
        "appropriate API endpoints to use. If using the Vault CLI, use 'vault kv {}' for "
        "this operation.")


@pytest.mark.parametrize(("operation", "path", "command"), [
    (Operation.READ, "foo", "get"), (Operation.UPDATE, "foo", "put"),
    (Operation.LIST, "", "list"), (Operation.LIST, "foo/", "list"),
    (Operation.DELETE, "foo", "delete"), (Operation.PATCH, "foo", "patch"),
    (Operation.READ, "config/x", "get"), (Operation.READ, "data/", "get"),
    (Operation.LIST, "data/dir/", "list"),
])
async def test_other_paths_get_the_vault_cli_hint(
    operation: Operation, path: str, command: str
) -> None:
    # Vault's wording; OpenBao says "OpenBao CLI" and 'bao kv ...' instead.
    response = await KV().call(operation, path, {"a": 1} if operation is Operation.UPDATE
                               else None)
    assert response is not None
    assert (response.status, response.data) == (404, None)
    assert response.warnings[0] == HINT.format(command)


@pytest.mark.parametrize("root", ["metadata", "data", "delete", "undelete", "destroy"])
async def test_roots_say_only_listing_is_supported(root: str) -> None:
    response = await KV().read(root)
    assert response is not None and response.status == 404
    assert response.warnings == [
        "Non-listing operations on the root of a K/V v2 mount are not supported."]


async def test_body_keys_are_reported_as_ignored() -> None:
    response = await KV().write("foo", {"a": 1})
    assert response is not None
    assert response.warnings[1:] == ["Endpoint ignored these unrecognized parameters: [a]"]
