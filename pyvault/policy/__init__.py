"""Vault's ACL policy language: parse (HCL/JSON), compile, decide. Pure: no I/O.

policy = parse_policy("ops", text)          # PolicyError with Vault's message
acl = ACL.compile([policy, other])          # or ACL.root()
acl.capabilities("secret/foo")              # what sys/capabilities answers
acl.allow_operation("update", "secret/foo", data={...})
"""

from pyvault.policy.acl import ACL, AuthResult
from pyvault.policy.capability import Capability
from pyvault.policy.model import PathRule, Policy, PolicyError
from pyvault.policy.policy import normalize_policy_name, parse_policy

__all__ = [
    "ACL",
    "AuthResult",
    "Capability",
    "PathRule",
    "Policy",
    "PolicyError",
    "normalize_policy_name",
    "parse_policy",
]
