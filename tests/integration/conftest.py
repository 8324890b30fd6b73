from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.server import PyvaultServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PyvaultServer]:
    instance = PyvaultServer(tmp_path)
    yield instance
    instance.stop()
