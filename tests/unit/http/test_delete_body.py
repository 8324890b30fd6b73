"""A DELETE's input is its query string only: Vault ignores the body, even bad JSON."""

from __future__ import annotations

from aiohttp.test_utils import make_mocked_request

from pyvault.http.logical import request_data
from pyvault.logical.operation import Operation


def test_delete_reads_the_query_and_ignores_the_body() -> None:
    request = make_mocked_request("DELETE", "/v1/auth/approle/role/r/secret-id/destroy"
                                            "?secret_id=from-query")
    for body in (b'{"secret_id": "from-body", "other": 1}', b'{"secret_id":', b"[1]"):
        assert request_data(request, Operation.DELETE, body) == {"secret_id": "from-query"}


def test_a_write_still_reads_its_body() -> None:
    request = make_mocked_request("POST", "/v1/secret/x?ignored=1")
    assert request_data(request, Operation.UPDATE, b'{"a": 1}') == {"a": 1}
