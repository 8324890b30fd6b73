"""The request pipeline: sealed? → token → route → ACL → existence → backend → leases
→ wrapping. Every logical request passes here exactly once."""

from __future__ import annotations

import fnmatch
from dataclasses import replace
from typing import TYPE_CHECKING

from pyvault.logical.errors import InvalidRequest, PermissionDenied, Sealed, UnsupportedPath
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token import cidrs

if TYPE_CHECKING:
    from pyvault.core.core import Core

def matches_any(path: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Vault's special-path rule: ``x/*`` is a prefix, anything else exact."""
    for pattern in patterns:
        if pattern.endswith("*"):
            if path.startswith(pattern[:-1]):
                return True
        elif path == pattern or fnmatch.fnmatchcase(path, pattern):
            return True
    return False


async def handle_request(core: Core, request: Request) -> Response | None:
    if core.sealed:
        raise Sealed()
    matched = core.router.match(request.path)
    relative = matched[1] if matched else ""
    backend = matched[0].backend if matched else None
    unauthenticated = backend is not None and matches_any(
        relative, list(backend.unauthenticated_paths)
    )
    # Vault authenticates before it resolves the route: an anonymous caller learns
    # nothing about which mounts exist.
    entry = await core.tokens.lookup(request.client_token) if request.client_token else None
    if entry is None and not unauthenticated:
        raise PermissionDenied()
    if entry is not None and entry.bound_cidrs and not cidrs.allows(
        entry.bound_cidrs, request.connection.remote_addr
    ):
        raise PermissionDenied()
    if matched is None:
        raise UnsupportedPath(f'no handler for route "{request.path}". route entry not found.')
    mount, relative = matched
    routed = replace(
        request,
        path=relative,
        storage=mount.view,
        mount_point=mount.entry.path,
        mount_type=mount.entry.type,
        mount_accessor=mount.entry.accessor,
        token_entry=entry,
    )
    if routed.operation in (Operation.UPDATE, Operation.PATCH) and request.path.endswith("/"):
        raise InvalidRequest("cannot write to a path ending in '/'")
    if routed.operation is Operation.UPDATE:
        exists = await mount.backend.exists(routed)
        if exists is False:
            routed = replace(routed, operation=Operation.CREATE)
    counted = entry is not None and not unauthenticated
    if counted:
        assert entry is not None
        # Vault counts the use first: a refused request still spends it.
        if not await core.tokens.use(entry):
            raise PermissionDenied()
    try:
        if counted:
            assert entry is not None
            await core.authorize(entry, routed, request.path,
                                 matches_any(relative, list(mount.backend.root_paths)))
        response = await mount.backend.handle(routed)
        if response is not None:
            response.mount_type = mount.entry.type
        return await core.after_response(routed, request, response)
    finally:
        if counted:
            assert entry is not None
            await core.tokens.release(entry)
