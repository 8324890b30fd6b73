"""/v1/* → logical Request → Core.handle → Vault's JSON envelope."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiohttp import web

from pyvault.core.core import Core
from pyvault.http.envelope import empty_response, envelope, error_response, json_response
from pyvault.http.jsonio import loads_body
from pyvault.logical.errors import CodedError, InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Connection, Request
from pyvault.logical.response import Response
from pyvault.util.durations import parse_duration

_VERBS = {
    "GET": Operation.READ,
    "HEAD": Operation.HEAD,
    "POST": Operation.UPDATE,
    "PUT": Operation.UPDATE,
    "DELETE": Operation.DELETE,
    "LIST": Operation.LIST,
    "SCAN": Operation.SCAN,
    "PATCH": Operation.PATCH,
}
_QUERY_DATA_OPS = (
    Operation.READ, Operation.LIST, Operation.SCAN, Operation.DELETE, Operation.HEAD
)
# Bodies handed to the backend undecoded (Vault's passHTTPReq): OCSP over POST.
_RAW_BODY_TYPES = ("application/ocsp-request",)


class HeadersWithoutToken(Mapping[str, str]):
    """The request's headers minus X-Vault-Token, without copying them (only audit
    reads them, and few requests are audited, so a per-request copy was waste)."""

    __slots__ = ("_headers",)

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = headers

    def __getitem__(self, name: str) -> str:
        if name.lower() == "x-vault-token":
            raise KeyError(name)
        return self._headers[name]

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._headers if name.lower() != "x-vault-token")

    def __len__(self) -> int:
        return sum(1 for _ in self)


# Set by the forwarding layer on a signed request from a standby: the real client.
FORWARDED_PEER = "pyvault.forwarded_peer"


def client_token(request: web.Request) -> str:
    """``X-Vault-Token``, else ``Authorization: Bearer``."""
    token = request.headers.get("X-Vault-Token", "")
    if token:
        return token
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):  # case-sensitive, as Vault's
        return authorization[len("Bearer ") :].strip()
    return ""


def operation_for(request: web.Request) -> Operation:
    operation = _VERBS.get(request.method)
    if operation is None:
        raise CodedError(405)
    if operation is Operation.READ and request.query.get("list", "").lower() in ("true", "1"):
        return Operation.LIST
    if operation is Operation.READ and request.query.get("scan", "").lower() in ("true", "1"):
        return Operation.SCAN
    if request.query.get("help", "") in ("1", "true"):
        return Operation.HELP
    return operation


def request_data(request: web.Request, operation: Operation, body: bytes) -> dict[str, Any]:
    if operation in _QUERY_DATA_OPS or operation is Operation.HELP:
        # DELETE too: Vault reads only the query and ignores a body (even bad JSON).
        return {k: v for k, v in request.query.items() if k not in ("list", "scan", "help")}
    return _body_object(body)


def _body_object(body: bytes) -> dict[str, Any]:
    value = loads_body(body)
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = "array" if isinstance(value, list) else type(value).__name__
        kind = {"str": "string", "int": "number", "float": "number", "bool": "bool"}.get(kind, kind)
        raise InvalidRequest(
            "failed to decode JSON input: json: cannot unmarshal "
            f"{kind} into Go value of type map[string]interface {{}}"
        )
    return value


def wrap_ttl(request: web.Request) -> int:
    raw = request.headers.get("X-Vault-Wrap-TTL", "")
    if not raw:
        return 0
    try:
        value = int(parse_duration(raw))
    except ValueError:
        raise InvalidRequest(
            f'error parsing X-Vault-Wrap-TTL header: time: invalid duration "{raw}"'
        ) from None
    if value < 0:
        raise InvalidRequest(
            "error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative"
        )
    return value


def build_request(
    request: web.Request, path: str, body: bytes, request_id: str
) -> Request:
    operation = operation_for(request)
    if operation in (Operation.LIST, Operation.SCAN) and not path.endswith("/"):
        path += "/"  # Vault's HTTP layer does this; list ACL rules rely on it
    peer = request.get(FORWARDED_PEER) or (
        request.transport.get_extra_info("peername") if request.transport else None)
    raw = operation is Operation.UPDATE and request.content_type in _RAW_BODY_TYPES
    return Request(
        operation=operation,
        path=path,
        data={} if raw else request_data(request, operation, body),
        raw_body=body if raw else None,
        query=request.query,  # read-only already: no copy
        headers=HeadersWithoutToken(request.headers),
        client_token=client_token(request),
        request_id=request_id,
        connection=Connection(
            remote_addr=str(peer[0]) if peer else "", remote_port=int(peer[1]) if peer else 0
        ),
        wrap_ttl=wrap_ttl(request),
    )


def to_http(response: Response | None, request: Request) -> web.Response:
    """Vault's rules: nothing to read → 404; a write with nothing to say → 204."""
    if response is None:
        if request.operation in (Operation.READ, Operation.LIST, Operation.SCAN):
            return error_response(404, [])
        return empty_response(204)
    if response.raw_body is not None:
        raw = web.Response(status=response.status or 200, body=response.raw_body,
                           headers={"Cache-Control": "no-store", **response.headers})
        raw.content_type = response.content_type
        return raw
    if request.operation is Operation.HELP:
        return json_response(200, response.data)
    nothing = (response.data is None and not response.warnings and response.auth is None
               and response.wrap_info is None and response.secret is None)
    if nothing:
        if request.operation in (Operation.READ, Operation.LIST):
            return error_response(404, [])
        return empty_response(response.status or 204)
    status = response.status or (404 if response.not_found_with_data else 200)
    return json_response(status, envelope(response, request.request_id))


async def handle_logical(core: Core, request: Request) -> web.Response:
    return to_http(await core.handle(request), request)
