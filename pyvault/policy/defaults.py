"""Built-in policies: ``default``, ``response-wrapping`` and the notion of ``root``.

The ``default`` text is OpenBao 2.7.2's, byte for byte as ``GET
sys/policies/acl/default`` returns it on a fresh server (HashiCorp Vault's
differs slightly: it also has control-group and identity MFA paths). The
policy store writes it at first unseal and refuses to delete it; ``root`` has
no text and cannot be written, read back as an empty policy, or combined with
another policy; ``response-wrapping`` is immutable and cannot be assigned to a
token.
"""

from __future__ import annotations

from pyvault.policy.acl import ACL
from pyvault.policy.model import Policy
from pyvault.policy.policy import parse_policy

__all__ = [
    "DEFAULT_POLICY",
    "DEFAULT_POLICY_NAME",
    "IMMUTABLE_POLICIES",
    "NON_ASSIGNABLE_POLICIES",
    "RESPONSE_WRAPPING_POLICY",
    "RESPONSE_WRAPPING_POLICY_NAME",
    "ROOT_POLICY_NAME",
    "builtin_policy",
    "root_acl",
]

ROOT_POLICY_NAME = "root"
DEFAULT_POLICY_NAME = "default"
RESPONSE_WRAPPING_POLICY_NAME = "response-wrapping"

#: Policies that cannot be written or deleted.
IMMUTABLE_POLICIES = frozenset({ROOT_POLICY_NAME, RESPONSE_WRAPPING_POLICY_NAME})
#: Policies a token cannot be given explicitly.
NON_ASSIGNABLE_POLICIES = frozenset({RESPONSE_WRAPPING_POLICY_NAME})

DEFAULT_POLICY = """
# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own entity by id or name
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}


# Allow a token to look up its resultant ACL from all policies. This is useful
# for UIs. It is an internal path because the format may change at any time
# based on how the internal ACL features and capabilities change.
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Allow a token to renew a lease via lease_id in the request body; old path for
# old clients, new path for newer
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Allow looking up lease properties. This requires knowing the lease ID ahead
# of time and does not divulge any sensitive information.
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Allow a token to manage its own cubbyhole
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Allow a token to look up the creation time and TTL of a given
# response-wrapping token
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Allow a token to unwrap a response-wrapping token. This is a convenience to
# avoid client token swapping since this is also part of the response wrapping
# policy.
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# Allow general purpose tools
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# Allow a token to make requests to the Authorization Endpoint for OIDC providers.
path "identity/oidc/provider/+/authorize" {
    capabilities = ["read", "update"]
}
"""

RESPONSE_WRAPPING_POLICY = """
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
"""


def builtin_policy(name: str) -> Policy | None:
    """The built-in policy called ``name`` (``root`` is an empty policy), or None."""
    if name == ROOT_POLICY_NAME:
        return Policy(name=ROOT_POLICY_NAME, rules=(), raw="")
    if name == DEFAULT_POLICY_NAME:
        return parse_policy(DEFAULT_POLICY_NAME, DEFAULT_POLICY)
    if name == RESPONSE_WRAPPING_POLICY_NAME:
        return parse_policy(RESPONSE_WRAPPING_POLICY_NAME, RESPONSE_WRAPPING_POLICY)
    return None


def root_acl() -> ACL:
    return ACL.root()
