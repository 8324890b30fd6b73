"""Vault's TTL arithmetic (``framework.CalculateTTL``), written once for tokens and secrets.

All values are whole seconds; ``now`` and ``start`` are truncated to the second
first, as Vault does, so the answers match the reference exactly.
"""

from __future__ import annotations

from pyvault.logical.errors import InvalidRequest


def go_duration(seconds: int) -> str:
    """Go's ``time.Duration.String`` for whole seconds: ``1h0m30s``, ``45s``, ``0s``."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"


def human_duration(seconds: int) -> str:
    """Vault's ``humanDuration``: Go's form without the zero parts (``3h``, ``1h30s``)."""
    text = go_duration(seconds)
    if text.endswith("m0s"):
        text = text[:-2]
    index = text.find("h0m")
    if index > 0:
        text = text[: index + 1] + text[index + 3 :]
    return text


def calculate_ttl(
    *,
    default_ttl: int,
    max_ttl: int,
    now: float,
    start: float = 0.0,
    increment: int = 0,
    backend_ttl: int = 0,
    period: int = 0,
    backend_max_ttl: int = 0,
    explicit_max_ttl: int = 0,
) -> tuple[int, list[str]]:
    """The TTL to grant and the warnings to show (``default_ttl``/``max_ttl`` are the
    mount's, 0 meaning nothing configured is not allowed for ``max_ttl``)."""
    now_s = int(now)
    start_s = int(start) if start else now_s
    warnings: list[str] = []
    limit = max_ttl
    if 0 < backend_max_ttl < limit:
        limit = backend_max_ttl
    if 0 < explicit_max_ttl < limit:
        limit = explicit_max_ttl
    if limit <= 0:
        raise InvalidRequest("max TTL must be greater than zero")
    max_valid: int | None = None
    if period > 0:
        if period > limit:
            warnings.append(
                f'period of "{human_duration(period)}" exceeded the effective max_ttl of '
                f'"{human_duration(limit)}"; period value is capped accordingly'
            )
            period = limit
        ttl = period
        if explicit_max_ttl > 0:
            max_valid = start_s + explicit_max_ttl
    else:
        if increment > 0:
            ttl = increment
        elif backend_ttl > 0:
            ttl = backend_ttl
        else:
            ttl = default_ttl
        max_valid = start_s + limit
    if max_valid is not None:
        remaining = max_valid - now_s
        if remaining <= 0:
            raise InvalidRequest("past the max TTL, cannot renew")
        if remaining < ttl:
            warnings.append(
                f'TTL of "{human_duration(ttl)}" exceeded the effective max_ttl of '
                f'"{human_duration(remaining)}"; TTL value is capped accordingly'
            )
            ttl = remaining
    return ttl, warnings
