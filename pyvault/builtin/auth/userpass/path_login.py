"""login/<username> and the renewal of the tokens it issued."""

from __future__ import annotations

from pyvault.builtin.auth.tokenutil import cidr_allows, equivalent_policies
from pyvault.builtin.auth.userpass.model import DummyHash, check_password, load_user
from pyvault.builtin.auth.userpass.path_users import username
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, PermissionDenied
from pyvault.logical.login import AuthRenewal, RenewingToken
from pyvault.logical.request import Request
from pyvault.logical.response import Response

INVALID = "invalid username or password"


class LoginPaths:
    def __init__(self, dummy: DummyHash) -> None:
        self._dummy = dummy

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("login/{username}",),
                 fields={"username": Field(description="Username of the user.",
                                           required=True),
                         "password": Field(description="Password for this user.",
                                           sensitive=True)},
                 operations=ops(update=self._login),
                 synopsis=LOGIN_HELP, description=LOGIN_DESCRIPTION),
        ]

    async def _login(self, request: Request, data: FieldData) -> Response:
        name = username(data)
        password = data.get_str("password")
        if not password:
            # Vault answers 500 (a plain Go error); it is the client's mistake: 400.
            raise InvalidRequest("missing password")
        user = await load_user(request.require_storage(), name)
        # An unknown user is checked against a dummy hash: the refusal then costs
        # the same bcrypt work, so timing does not tell which users exist.
        hashed = user.password_hash if user and user.password_hash else await self._dummy.get()
        matched = await check_password(password, hashed)
        if user is None or not user.password_hash or not matched:
            raise InvalidRequest(INVALID)
        if not cidr_allows(user.token.token_bound_cidrs, request.connection.remote_addr):
            raise PermissionDenied()
        auth = user.token.login_auth(metadata={"username": name}, display_name=name)
        return Response(auth=auth)

    async def renew(self, request: Request, token: RenewingToken) -> AuthRenewal | None:
        """Vault's ``pathLoginRenew``: a deleted user's token is left to expire, a
        user whose policies changed must log in again."""
        user = await load_user(request.require_storage(), token.metadata.get("username", ""))
        if user is None:
            return None
        if not equivalent_policies(user.token.token_policies, token.policies):
            raise InvalidRequest("policies have changed, not renewing")
        return AuthRenewal(ttl=user.token.token_ttl, max_ttl=user.token.token_max_ttl,
                           period=user.token.token_period,
                           explicit_max_ttl=user.token.token_explicit_max_ttl)


LOGIN_HELP = "Log in with a username and password."
LOGIN_DESCRIPTION = (
    "This endpoint authenticates using a username and password. Please be sure to\n"
    "read the note on escaping from the path-help for the 'users' endpoint."
)
