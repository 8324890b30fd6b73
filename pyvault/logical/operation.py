"""Logical operations a request can perform (Vault's verbs after HTTP mapping)."""

from __future__ import annotations

from enum import StrEnum


class Operation(StrEnum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    PATCH = "patch"
    DELETE = "delete"
    LIST = "list"
    # OpenBao's recursive list. Engines that do not implement it answer 405.
    SCAN = "scan"
    HELP = "help"
    # HTTP HEAD on a logical path: authenticated and routed like a read, then
    # refused by the backend with 405, as Vault does.
    HEAD = "head"
    RENEW = "renew"
    REVOKE = "revoke"
    ROLLBACK = "rollback"
