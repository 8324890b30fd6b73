"""The seam between the pipeline and policy evaluation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyvault.logical.operation import Operation
from pyvault.policy.acl import ACL, AuthResult


class AccessCheck:
    """The pipeline's questions, answered by a compiled ACL."""

    __slots__ = ("_acl",)

    def __init__(self, acl: ACL) -> None:
        self._acl = acl

    def allows(
        self,
        operation: Operation,
        path: str,
        data: Mapping[str, Any],
        is_root_path: bool,
        wrap_ttl: int = 0,
    ) -> bool:
        return self.result(operation, path, data, is_root_path, wrap_ttl).allowed

    def result(
        self,
        operation: Operation,
        path: str,
        data: Mapping[str, Any],
        is_root_path: bool,
        wrap_ttl: int = 0,
    ) -> AuthResult:
        """The whole answer, for the audit entry's ``policy_results``."""
        op = "read" if operation in (Operation.HELP, Operation.HEAD) else operation.value
        return self._acl.allow_operation(
            op, path, data, is_root_path=is_root_path, wrap_ttl=wrap_ttl or None
        )

    def any_capability(self, path: str) -> bool:
        return self._acl.capabilities(path) != ["deny"]

    def any_capability_below(self, prefix: str) -> bool:
        return self._acl.has_mount_access(prefix)
