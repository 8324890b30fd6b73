"""Vault's TTL arithmetic and duration formatting."""

from __future__ import annotations

import pytest

from pyvault.expiration.timefmt import rfc3339_nano, rfc3339_or_none
from pyvault.expiration.ttl import calculate_ttl, go_duration, human_duration
from pyvault.logical.errors import InvalidRequest

NOW = 1_700_000_000.7
LIMITS = {"default_ttl": 3600, "max_ttl": 7200}


@pytest.mark.parametrize(("seconds", "go", "human"), [
    (0, "0s", "0s"), (45, "45s", "45s"), (90, "1m30s", "1m30s"), (3600, "1h0m0s", "1h"),
    (3630, "1h0m30s", "1h30s"), (36000, "10h0m0s", "10h"), (33000, "9h10m0s", "9h10m"),
    (2764800, "768h0m0s", "768h"),
])
def test_durations(seconds: int, go: str, human: str) -> None:
    assert go_duration(seconds) == go and human_duration(seconds) == human


def test_times_are_go_rfc3339_nano() -> None:
    assert rfc3339_nano(1_700_000_000) == "2023-11-14T22:13:20Z"
    assert rfc3339_nano(1_700_000_000.25) == "2023-11-14T22:13:20.25Z"
    assert rfc3339_or_none(0) is None


def test_default_increment_and_backend_ttl() -> None:
    assert calculate_ttl(**LIMITS, now=NOW) == (3600, [])
    assert calculate_ttl(**LIMITS, now=NOW, backend_ttl=60) == (60, [])
    assert calculate_ttl(**LIMITS, now=NOW, backend_ttl=60, increment=120) == (120, [])


def test_capped_by_max_relative_to_start() -> None:
    ttl, warnings = calculate_ttl(**LIMITS, now=NOW, start=NOW - 3600, increment=7200)
    assert ttl == 3600 and warnings == [
        'TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly']
    with pytest.raises(InvalidRequest, match="past the max TTL, cannot renew"):
        calculate_ttl(**LIMITS, now=NOW, start=NOW - 7200)


def test_backend_and_explicit_max_lower_the_limit() -> None:
    assert calculate_ttl(**LIMITS, now=NOW, backend_max_ttl=100)[0] == 100
    assert calculate_ttl(**LIMITS, now=NOW, explicit_max_ttl=50, backend_max_ttl=100)[0] == 50


def test_periods_ignore_the_start_unless_explicitly_bounded() -> None:
    assert calculate_ttl(**LIMITS, now=NOW, start=NOW - 10**6, period=600) == (600, [])
    ttl, warnings = calculate_ttl(**LIMITS, now=NOW, period=10000)
    assert ttl == 7200 and warnings[0].startswith('period of "2h46m40s" exceeded')
    assert calculate_ttl(**LIMITS, now=NOW, start=NOW - 100, period=600,
                         explicit_max_ttl=300)[0] == 200
