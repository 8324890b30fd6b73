"""Duration inputs the token store reads as strings, with Vault's error texts."""

from __future__ import annotations

from pyvault.logical.errors import InvalidRequest
from pyvault.util.durations import parse_duration


def parse_duration_second(text: str) -> int:
    """parseutil.ParseDurationSecond: seconds, or a Go duration ("1h30m", "90s")."""
    text = text.strip()
    if text == "":
        return 0
    try:
        return int(parse_duration(text))
    except ValueError:
        raise InvalidRequest(f'time: invalid duration "{text}"') from None


def check_not_negative(name: str, raw: object, value: int) -> None:
    """Vault's field decoder refuses negative durations before the handler runs."""
    if value < 0:
        raise InvalidRequest(
            f"error converting input for field \"{name}\": cannot provide negative value '{raw}'"
        )
