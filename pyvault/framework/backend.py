"""A backend is a table of Paths plus the handful of flags Vault keeps beside it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pyvault.framework import openapi
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path
from pyvault.logical.errors import UnsupportedOperation, UnsupportedPath, multierror
from pyvault.logical.login import AuthRenewer
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import Storage

log = logging.getLogger(__name__)

SecretRevoker = Callable[
    [Storage, str, dict[str, Any] | None, dict[str, Any] | None], Awaitable[None]
]
SecretRenewer = Callable[[Storage, str, dict[str, Any] | None, int], Awaitable[Any]]
# Vault's PeriodicFunc: housekeeping the core runs about once a minute per mount,
# given a request that carries the mount's storage view.
PeriodicFunc = Callable[[Request], Awaitable[None]]
# Vault's CleanupFunc: stop background work (a running tidy) when the backend instance
# goes away, on unmount, remount, reload, seal or teardown. Synchronous so the router
# can call it while it drops its table.
CleanupFunc = Callable[[], None]


@dataclass(frozen=True, slots=True)
class Route:
    path: Path
    captures: dict[str, str]


@dataclass(slots=True, kw_only=True)
class Backend:
    """Routes a mount-relative request to the handler of the first matching Path."""

    paths: Sequence[Path]
    backend_type: str = ""
    help: str = ""
    root_paths: Sequence[str] = ()
    unauthenticated_paths: Sequence[str] = ()
    # Dynamic-secret engines undo (and extend) what they issued when the lease
    # ends: (mount storage, request path, response data, internal data[, increment]).
    revoke_secret: SecretRevoker | None = None
    renew_secret: SecretRenewer | None = None
    # Auth methods re-check the user or role before a login token is renewed.
    renew_auth: AuthRenewer | None = None
    # Background housekeeping (PKI's auto-tidy and CRL auto-rebuild); None: nothing to do.
    periodic_func: PeriodicFunc | None = None
    cleanup_func: CleanupFunc | None = None
    _routes: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._routes = list(self.paths)

    def route(self, path: str) -> Route | None:
        for candidate in self._routes:
            captures = candidate.match(path)
            if captures is not None:
                return Route(candidate, captures)
        if path.endswith("/"):
            # List requests end in "/" (the HTTP layer adds it); a path declared
            # without the slash serves them too, as Vault's "/?$" patterns do.
            trimmed = path[:-1]
            for candidate in self._routes:
                if Operation.LIST not in candidate.operations:
                    continue
                captures = candidate.match(trimmed)
                if captures is not None:
                    return Route(candidate, captures)
        return None

    def field_data(self, request: Request, route: Route) -> FieldData:
        data = dict(request.data)
        data.update(route.captures)  # URL captures win over the body, as Vault's
        return FieldData(data, route.path.fields)

    async def periodic(self, request: Request) -> None:
        """Run the backend's periodic work, if it has any (a no-op otherwise)."""
        if self.periodic_func is not None:
            await self.periodic_func(request)

    def cleanup(self) -> None:
        """Stop the backend's background work; a failure is logged, never raised, so
        one backend cannot block an unmount or a seal."""
        if self.cleanup_func is None:
            return
        try:
            self.cleanup_func()
        except Exception as exc:
            log.warning("backend %s cleanup failed: %s", self.backend_type,
                        type(exc).__name__)

    async def exists(self, request: Request) -> bool | None:
        """None when the path has no existence check (writes then count as update)."""
        route = self.route(request.path)
        if route is None or route.path.existence_check is None:
            return None
        if Operation.CREATE not in route.path.operations:
            return None
        data = self.field_data(request, route)
        data.check_types(prefixed=False)  # Vault validates inside the existence check
        return await route.path.existence_check(request, data)

    async def handle(self, request: Request) -> Response | None:
        route = self.route(request.path)
        if route is None:
            raise UnsupportedPath(multierror("unsupported path"))
        if request.operation is Operation.HELP:
            return self.help_response(request.path, route.path, request.mount_point)
        operation = route.path.operations.get(request.operation)
        if operation is None and request.operation is Operation.CREATE:
            operation = route.path.operations.get(Operation.UPDATE)
            if operation is not None:
                request = replace(request, operation=Operation.UPDATE)
        if operation is None:
            raise UnsupportedOperation(multierror("unsupported operation"))
        data = self.field_data(request, route)
        data.validate()
        response = await operation.handler(request, data)
        unknown = [] if route.path.takes_arbitrary_input else data.unknown_fields()
        if unknown and response is not None:
            # Vault only warns when the handler answers; a 204 stays a 204.
            response.warnings.append(
                f"Endpoint ignored these unrecognized parameters: [{' '.join(unknown)}]"
            )
        return response

    def help_response(self, request_path: str, path: Path, mount_point: str = "") -> Response:
        # Vault tags by backend kind: auth methods (always under auth/) are "auth".
        tag = "auth" if mount_point.startswith("auth/") else (
            "system" if self.backend_type == "system" else "secrets")
        spec = openapi.document([("", self.backend_type, [path])])
        for item in spec["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict):
                    operation["tags"] = [tag]
        return Response(data={"help": openapi.help_text(request_path, path),
                              "openapi": spec, "see_also": None})
