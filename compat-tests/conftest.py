"""Fixtures that run every compat scenario against pyvault and the reference OpenBao.

`PYVAULT_COMPAT_ONLY=reference` (or `pyvault`) restricts the run to one server.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager

import pytest
from harness import KINDS, TRANSIT_KEY, Reaper, ServerProcess, selected_kinds

KIND_PARAMS = selected_kinds()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On failure, attach the log tail of every server the test used."""
    report = yield
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, ServerProcess):
                report.sections.append((f"{value.kind} server log tail", value.log_tail()))
    return report


@pytest.fixture(scope="session")
def _reaper() -> Iterator[Reaper]:
    reaper = Reaper()
    yield reaper
    reaper.drain()


@contextmanager
def _launch(
    request: pytest.FixtureRequest,
    factory: pytest.TempPathFactory,
    reaper: Reaper,
    *,
    dev: bool,
    label: str,
) -> Iterator[ServerProcess]:
    kind: str = request.param
    server = ServerProcess(kind=kind, workdir=factory.mktemp(f"{kind}-{label}"), dev=dev)
    server.start()
    try:
        yield server
    finally:
        reaper.release(server)


@pytest.fixture(params=KIND_PARAMS)
def fresh_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _reaper: Reaper
) -> Iterator[ServerProcess]:
    """An empty, uninitialised, non-dev server of its own (for ceremonies that change state)."""
    with _launch(request, tmp_path_factory, _reaper, dev=False, label="fresh") as server:
        yield server


@pytest.fixture(scope="module", params=KIND_PARAMS)
def dev_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _reaper: Reaper
) -> Iterator[ServerProcess]:
    """A dev-mode server (unsealed, root token "root"), shared by a module."""
    with _launch(request, tmp_path_factory, _reaper, dev=True, label="dev") as server:
        yield server


@pytest.fixture(scope="module", params=KIND_PARAMS)
def uninit_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _reaper: Reaper
) -> Iterator[ServerProcess]:
    """An uninitialised server shared by a module: tests must leave it uninitialised."""
    with _launch(request, tmp_path_factory, _reaper, dev=False, label="uninit") as server:
        yield server


@pytest.fixture(scope="module", params=KIND_PARAMS)
def sealed_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _reaper: Reaper
) -> Iterator[ServerProcess]:
    """Initialised (5 shares, threshold 3; `.init` holds the sys/init answer) and sealed,
    shared by a module: tests must leave it sealed with unseal progress 0."""
    with _launch(request, tmp_path_factory, _reaper, dev=False, label="sealed") as server:
        server.initialize(shares=5, threshold=3)
        yield server


@pytest.fixture(scope="module", params=KINDS)
def key_holder(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _reaper: Reaper
) -> Iterator[ServerProcess]:
    """A dev server (of either kind) with transit mounted: a transit seal's key holder."""
    holder = ServerProcess(kind=request.param, dev=True,
                           workdir=tmp_path_factory.mktemp(f"holder-{request.param}"))
    holder.start()
    try:
        assert holder.request("POST", "/v1/sys/mounts/transit",
                              json={"type": "transit"}).status_code == 204
        assert holder.request("POST", f"/v1/transit/keys/{TRANSIT_KEY}").status_code in (
            200, 204)
        yield holder
    finally:
        _reaper.release(holder)
