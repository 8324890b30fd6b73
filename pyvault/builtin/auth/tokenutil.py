"""The token parameters every auth method shares (Vault's ``sdk/helper/tokenutil``).

A role or user stores one :class:`TokenParams`; its login copies them into the
``LoginAuth`` the core turns into a token. Keeping parsing, validation, the read
view and the legacy aliases (``policies``, ``ttl``, ``max_ttl``, ``period``,
``bound_cidrs``/``bound_cidr_list``) here means userpass and AppRole cannot drift.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, field
from typing import Any

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.login import LoginAuth

TOKEN_FIELDS: dict[str, Field] = {
    "token_bound_cidrs": Field(
        type=FieldType.COMMA_STRING_SLICE,
        description="Comma separated string or JSON list of CIDR blocks. If set, specifies "
                    "the blocks of IP addresses which are allowed to use the generated token."),
    "token_explicit_max_ttl": Field(
        type=FieldType.DURATION,
        description="If set, tokens created via this role carry an explicit maximum TTL. "
                    "During renewal, the current maximum TTL values of the role and the "
                    "mount are not checked for changes, and any updates to these values will "
                    "have no effect on the token being renewed."),
    "token_max_ttl": Field(type=FieldType.DURATION,
                           description="The maximum lifetime of the generated token"),
    "token_no_default_policy": Field(
        type=FieldType.BOOL,
        description="If true, the 'default' policy will not automatically be added to "
                    "generated tokens"),
    "token_period": Field(type=FieldType.DURATION,
                          description="If set, tokens created via this role will have no max "
                                      "lifetime; instead, their renewal period will be fixed "
                                      "to this value."),
    "token_policies": Field(type=FieldType.COMMA_STRING_SLICE,
                            description="Comma-separated list of policies"),
    "token_type": Field(type=FieldType.STRING, default="default-service",
                        description="The type of token to generate, service or batch"),
    "token_ttl": Field(type=FieldType.DURATION,
                       description="The initial ttl of the token to generate"),
    "token_num_uses": Field(type=FieldType.INT,
                            description="The maximum number of times a token may be used, a "
                                        "value of zero means unlimited"),
}
TOKEN_TYPES = {"": "default", "default": "default", "service": "service", "batch": "batch",
               "default-service": "default", "default-batch": "default"}


def parse_cidr_list(values: list[str]) -> list[str]:
    """Validate addresses or CIDR blocks; a single host prints without its /32."""
    parsed: list[str] = []
    for value in (v.strip() for v in values):
        if not value:
            continue
        try:
            interface = ipaddress.ip_interface(value)
        except ValueError:
            raise InvalidRequest(
                f'error parsing address "{value}": Unable to convert "{value}" to an IPv4 '
                "or IPv6 address, or a UNIX Socket") from None
        single = interface.network.prefixlen == interface.max_prefixlen
        parsed.append(str(interface.ip) if single else str(interface))
    return parsed


def cidr_allows(cidrs: list[str], address: str) -> bool:
    """Whether ``address`` is inside one of ``cidrs`` (an empty list allows every one)."""
    if not cidrs:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_interface(cidr).network for cidr in cidrs)


def parse_policies(values: list[str]) -> list[str]:
    """Vault's ``policyutil.ParsePolicies``: trimmed, lower-cased, unique, sorted;
    ``root`` stands alone (a root token carries no other policy)."""
    parsed = {v.strip().lower() for v in values if v.strip()}
    return ["root"] if "root" in parsed else sorted(parsed)


def equivalent_policies(a: list[str], b: list[str]) -> bool:
    """Same set apart from ``default`` (Vault's ``policyutil.EquivalentPolicies``)."""
    return {p for p in a if p != "default"} == {p for p in b if p != "default"}


@dataclass(slots=True, kw_only=True)
class TokenParams:
    token_bound_cidrs: list[str] = field(default_factory=list)
    token_explicit_max_ttl: int = 0
    token_max_ttl: int = 0
    token_no_default_policy: bool = False
    token_num_uses: int = 0
    token_period: int = 0
    token_policies: list[str] = field(default_factory=list)
    token_type: str = "default"
    token_ttl: int = 0

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> TokenParams:
        return cls(**{k: v for k, v in record.items() if k in cls.__dataclass_fields__})

    def parse(self, data: FieldData, *, creating: bool) -> None:
        """Apply the given ``token_*`` fields (all of them when creating). Callers
        apply legacy aliases next, then ``validate`` the combination."""
        def wanted(name: str) -> bool:
            return data.given(name) or (creating and name in TOKEN_FIELDS)

        if wanted("token_bound_cidrs"):
            self.token_bound_cidrs = parse_cidr_list(data.get_list("token_bound_cidrs"))
        for name in ("token_explicit_max_ttl", "token_max_ttl", "token_period", "token_ttl"):
            if wanted(name):
                setattr(self, name, data.get_int(name))
        if wanted("token_no_default_policy"):
            self.token_no_default_policy = data.get_bool("token_no_default_policy")
        if wanted("token_num_uses"):
            self.token_num_uses = data.get_int("token_num_uses")
        if wanted("token_policies"):
            # Kept as given (Vault sorts and lower-cases only the legacy ``policies``;
            # the token itself gets sanitised policies when it is made).
            self.token_policies = [str(p) for p in data.get_list("token_policies")]
        if wanted("token_type"):
            raw = data.get_str("token_type")
            if data.given("token_type") and raw not in ("", "default", "service", "batch"):
                raise InvalidRequest(f'invalid \'token_type\' value "{raw}"')
            self.token_type = TOKEN_TYPES.get(raw, "default")

    def validate(self) -> None:
        """Check the combination as Vault does, with Vault's error texts."""
        if self.token_type == "batch":
            if self.token_period:
                raise InvalidRequest("'token_type' cannot be 'batch' or 'default_batch' when "
                                     "set to generate periodic tokens")
            if self.token_num_uses:
                raise InvalidRequest("'token_type' cannot be 'batch' or 'default_batch' when "
                                     "set to generate tokens with limited use count")
        if self.token_num_uses < 0:
            raise InvalidRequest("'token_num_uses' cannot be negative")
        if self.token_max_ttl and self.token_ttl > self.token_max_ttl:
            raise InvalidRequest("'token_ttl' cannot be greater than 'token_max_ttl'")

    def view(self) -> dict[str, Any]:
        """The ``token_*`` keys of a read (Vault's ``PopulateTokenData``)."""
        return {
            "token_bound_cidrs": list(self.token_bound_cidrs),
            "token_explicit_max_ttl": self.token_explicit_max_ttl,
            "token_max_ttl": self.token_max_ttl,
            "token_no_default_policy": self.token_no_default_policy,
            "token_num_uses": self.token_num_uses,
            "token_period": self.token_period,
            "token_policies": list(self.token_policies),
            "token_ttl": self.token_ttl,
            "token_type": self.token_type,
        }

    def login_auth(self, *, metadata: dict[str, str], display_name: str = "",
                   policies: list[str] | None = None) -> LoginAuth:
        """The Auth a login answers with (Vault's ``PopulateTokenAuth``): renewable."""
        return LoginAuth(
            policies=list(self.token_policies if policies is None else policies),
            metadata=metadata, renewable=True, token_type=self.token_type,
            num_uses=self.token_num_uses, ttl=self.token_ttl, max_ttl=self.token_max_ttl,
            period=self.token_period, explicit_max_ttl=self.token_explicit_max_ttl,
            no_default_policy=self.token_no_default_policy,
            bound_cidrs=list(self.token_bound_cidrs), display_name=display_name,
        )


def upgrade_value(data: FieldData, old: str, new: str) -> tuple[Any, bool]:
    """Vault's ``tokenutil.UpgradeValue``: the legacy field counts only when the new
    one is absent. Returns (value, given) for the legacy field."""
    if data.given(new) or not data.given(old):
        return None, False
    return data.get(old), True
