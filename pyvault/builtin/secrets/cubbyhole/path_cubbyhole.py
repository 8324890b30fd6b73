"""cubbyhole/<path>: read, write, list and delete inside the caller's own cubbyhole.

Keys are the caller's cubbyhole owner (its token hash) plus the path, so no token,
not even root, can reach another token's entries. Errors mirror Vault's: its handlers
return plain Go errors, which reach clients as 500s wrapped by go-multierror.
"""

from __future__ import annotations

from pyvault.builtin.secrets.cubbyhole.storage import (
    cubbyhole_owner,
    entry_key,
    read_entry,
    write_entry,
)
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response

RESPONSE_WRAPPING_POLICY_NAME = "response-wrapping"
SERVICE_TOKENS_ONLY = "cubbyhole operations are only supported by 'service' type tokens"
DEPRECATED_RESPONSE_READ = (
    "Reading from 'cubbyhole/response' is deprecated. Please use sys/wrapping/unwrap to "
    "unwrap responses, as it provides additional security checks and other benefits."
)


def _failure(message: str) -> InvalidRequest:
    """Vault answers these with 500; they are bad input, so pyvault says 400 (same text)."""
    return InvalidRequest(multierror(message))


def _owner(request: Request) -> str:
    if request.token_entry is None:
        raise _failure("client token empty")
    if getattr(request.token_entry, "token_type", "service") != "service":
        raise InvalidRequest(SERVICE_TOKENS_ONLY)
    owner = cubbyhole_owner(request.token_entry)
    if not owner:
        raise _failure("client token empty")
    return owner


def _path(data: FieldData) -> str:
    path = data.get_str("path")
    if ".." in path.split("/"):
        raise InvalidRequest("relative paths not supported")
    return path


def _is_wrapping_token(request: Request) -> bool:
    policies = getattr(request.token_entry, "policies", None)
    return policies == [RESPONSE_WRAPPING_POLICY_NAME]


class CubbyholePaths:
    def paths(self) -> list[Path]:
        return [
            Path(
                patterns=("{path:optpath}",),
                fields={"path": Field(type=FieldType.STRING,
                                      description="Specifies the path of the secret.")},
                operations=ops(read=self._read, create=self._write, update=self._write,
                               delete=self._delete, list=self._list),
                existence_check=self._exists,
                # Any body is the secret itself: no "unrecognized parameters" warning.
                takes_arbitrary_input=True,
                synopsis=SYNOPSIS,
                description=DESCRIPTION,
            )
        ]

    async def _exists(self, request: Request, data: FieldData) -> bool:
        key = entry_key(_owner(request), _path(data))
        return await request.require_storage().get(key) is not None

    async def _read(self, request: Request, data: FieldData) -> Response | None:
        owner = _owner(request)
        path = _path(data)
        if not path:
            raise _failure("missing path")
        stored = await read_entry(request.require_storage(), owner, path)
        if stored is None:
            return None
        response = Response(data=stored)
        if path == "response" and _is_wrapping_token(request):
            response.warnings.append(DEPRECATED_RESPONSE_READ)
        return response

    async def _write(self, request: Request, data: FieldData) -> None:
        owner = _owner(request)
        if not request.data:
            raise _failure("missing data fields")
        path = _path(data)
        if not path:
            raise _failure("missing path")
        await write_entry(request.require_storage(), owner, path, dict(request.data))

    async def _delete(self, request: Request, data: FieldData) -> None:
        await request.require_storage().delete(entry_key(_owner(request), _path(data)))

    async def _list(self, request: Request, data: FieldData) -> Response | None:
        owner = _owner(request)
        path = _path(data)
        if path and not path.endswith("/"):
            path += "/"
        keys = await request.require_storage().list(entry_key(owner, path))
        # An empty listing is a 404 with no errors, as Vault's HTTP layer answers.
        return Response(data={"keys": keys}) if keys else None


SYNOPSIS = (
    "Pass-through secret storage to a token-specific cubbyhole in the storage "
    "backend, allowing you to read/write arbitrary data into secret storage."
)
DESCRIPTION = (
    "The cubbyhole backend reads and writes arbitrary data into secret storage, "
    "encrypting it along the way.\n\nThe view into the cubbyhole storage space is "
    "different for each token; it is a per-token cubbyhole. When the token is revoked "
    "all values are removed."
)
