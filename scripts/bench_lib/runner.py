"""Start the servers of one mode, prepare them, run every scenario A B A B, stop them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_lib import audit
from bench_lib.audit import AuditDevice
from bench_lib.client import Client
from bench_lib.prepare import Missing, Prepared, prepare
from bench_lib.profile import profile_run
from bench_lib.progress import Progress
from bench_lib.scenarios import Context, Scenario
from bench_lib.servers import Server, ServerError, TargetSpec
from bench_lib.wrk import Load, Measurement, WrkError, run_wrk

SETTLE = 0.5  # seconds between runs


@dataclass
class Plan:
    targets: list[TargetSpec]
    scenarios: list[Scenario]
    rounds: int
    warmup: int
    load: Load
    secrets: int
    server_core: int
    workdir: Path
    profile_dir: Path | None
    token: str = "policy"  # "policy": a token holding policy bench; "root"

    def modes(self) -> list[str]:
        return [m for m in ("dev", "durable") if any(t.mode == m for t in self.targets)]

    def specs(self, mode: str) -> list[TargetSpec]:
        return [t for t in self.targets if t.mode == mode]

    def scenario_seconds(self, servers: int) -> float:
        per_server = self.warmup + self.rounds * self.load.duration
        if self.profile_dir is not None:
            per_server += self.load.duration
        return servers * (per_server + SETTLE * (self.rounds + 1))

    def planned_seconds(self) -> float:
        return sum(self.scenario_seconds(len(self.specs(m))) * len(self.scenarios)
                   for m in self.modes())


@dataclass
class Results:
    measurements: list[Measurement] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    profiles: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)  # what audit devices wrote
    failed: bool = False  # a server failed: keep the work folder (logs)


def run_plan(plan: Plan, progress: Progress) -> Results:
    results = Results()
    for mode in plan.modes():
        ModeRun(plan, mode, progress, results).run()
    return results


class ModeRun:
    def __init__(self, plan: Plan, mode: str, progress: Progress, results: Results) -> None:
        self.plan, self.mode, self.progress, self.results = plan, mode, progress, results
        self.servers: list[Server] = []
        self.prepared: dict[str, Prepared] = {}
        self.tokens: dict[str, str] = {}
        self.devices: dict[str, AuditDevice] = {}  # during an audit scenario, per server

    def run(self) -> None:
        """A server that dies mid-run (or is killed from outside) gets the mode restarted,
        fresh, once: the scenario it died in is run again from its warm-up."""
        todo = list(self.plan.scenarios)
        for attempt in (1, 2):
            try:
                self.start()
                while todo:
                    self.scenario(todo[0])
                    todo.pop(0)
                return
            except (ServerError, OSError) as exc:
                self.results.failed = True
                self.progress.say(f"server failure: {exc}\n{getattr(exc, 'detail', '')}")
                if attempt == 2 or not todo:
                    for scenario in todo:
                        self.skip(scenario, f"server failed: {exc}")
                    return
                note = f"{self.mode}: servers restarted fresh at {todo[0].name} after: {exc}"
                self.results.notes.append(note)
                self.progress.say(f"    {note}")
                self.forget(todo[0].name)
            finally:
                for server in self.servers:
                    server.stop()
                self.servers = []

    def forget(self, scenario: str) -> None:
        """Drop the measured rounds of a scenario that is run again."""
        names = {spec.name for spec in self.plan.specs(self.mode)}
        self.results.measurements = [m for m in self.results.measurements
                                     if not (m.scenario == scenario and m.server in names)]

    def start(self) -> None:
        for spec in self.plan.specs(self.mode):
            workdir = self.plan.workdir / spec.name
            while workdir.exists():  # a restart: fresh storage
                workdir = workdir.with_name(workdir.name + "+")
            server = Server(spec, workdir, self.plan.server_core)
            self.servers.append(server)
            self.progress.say(f"==> starting {spec.name} (core {server.core}, "
                              f"127.0.0.1:{server.port})")
            server.start()
            self.results.servers[spec.name] = describe(server)
            self.progress.say(f"    preparing {spec.name}: {self.plan.secrets} KV secrets, "
                              "policy, token, transit, pki")
            self.prepared[spec.name] = prepare(server, self.plan.secrets)
            for why in self.prepared[spec.name].missing.values():
                self.progress.say(f"    not prepared: {why}")
        if self.plan.token == "policy" and all(p.bench_token for p in self.prepared.values()):
            self.tokens = {n: str(p.bench_token) for n, p in self.prepared.items()}
            return
        self.tokens = {n: p.root for n, p in self.prepared.items()}
        why = ("--token root" if self.plan.token == "root"
               else "no policy-bound token on every server")
        note = f"{self.mode}: the load uses the root token ({why})"
        self.results.notes.append(note)
        self.progress.say(f"    {note}")

    def context(self, server: Server, tag: str) -> Context:
        prepared = self.prepared[server.name]
        return Context(self.tokens[server.name], self.plan.secrets, prepared.ciphertext, tag)

    def skip(self, scenario: Scenario, why: str) -> None:
        self.results.skipped.append({"scenario": scenario.name, "mode": self.mode, "why": why})
        self.progress.say(f"skipped: {scenario.name} ({self.mode}): {why}")
        self.progress.drop(self.plan.scenario_seconds(len(self.servers)))

    def skip_reason(self, scenario: Scenario) -> str | None:
        for feature in scenario.needs:
            reasons = [p.missing[feature] for p in self.prepared.values() if feature in p.missing]
            if reasons:
                return "; ".join(reasons)
        for server in self.servers:
            client = server.client(self.tokens[server.name])
            try:
                for method, path, body in scenario.samples(self.context(server, "probe")):
                    reply = client.request(method, path, body.encode() if body else None)
                    if not reply.ok:
                        return f"{server.name}: {method} {path} → {reply.why()}"
                if server.name in self.devices:
                    self.devices[server.name].check_writing()
            except Missing as exc:
                return f"{server.name}: {exc}"
            finally:
                client.close()
        return None

    def scenario(self, scenario: Scenario) -> None:
        if not scenario.audit:
            self.run_scenario(scenario)
            return
        try:
            why = self.enable_audit()
            if why is not None:
                self.skip(scenario, why)
                return
            self.run_scenario(scenario)
        finally:
            self.disable_audit(scenario)

    def enable_audit(self) -> str | None:
        """A file device on every server of the mode; why not, if one refused."""
        for server in self.servers:
            device = AuditDevice(server.port, self.prepared[server.name].root, server.workdir)
            self.devices[server.name] = device
            try:
                device.enable()
            except Missing as exc:
                return f"{server.name}: {exc}"
        return None

    def disable_audit(self, scenario: Scenario) -> None:
        devices, self.devices = self.devices, {}
        for name, device in devices.items():
            written = device.written
            try:
                device.disable()
            except (Missing, OSError) as exc:
                self.results.notes.append(f"{name}: audit device not removed: {exc}")
            if written.requests:
                self.results.audit.append({"scenario": scenario.name, "server": name,
                                           "entries": written.entries, "bytes": written.bytes,
                                           "requests": written.requests})
                self.results.notes.append(audit.summary(name, scenario.name, written))

    def run_scenario(self, scenario: Scenario) -> None:
        why = self.skip_reason(scenario)
        if why is not None:
            self.skip(scenario, why)
            return
        self.progress.say(f"==> {scenario.name} ({self.mode}): {scenario.title}")
        try:
            for server in self.servers:
                self.measure(scenario, server, 0, self.plan.warmup)
            for round_no in range(1, self.plan.rounds + 1):
                for server in self.servers:
                    self.measure(scenario, server, round_no, self.plan.load.duration)
            if self.plan.profile_dir is not None:
                for server in self.servers:
                    if server.spec.kind == "pyvault":
                        self.profile(scenario, server)
        except WrkError as exc:
            self.skip(scenario, f"wrk failed: {exc}")

    def script(self, scenario: Scenario, server: Server, tag: str) -> Path:
        path = self.plan.workdir / "lua" / f"{scenario.name}-{server.name}-{tag}.lua"
        path.parent.mkdir(exist_ok=True)
        path.write_text(scenario.script(self.context(server, tag)))
        return path

    def measure(self, scenario: Scenario, server: Server, round_no: int, seconds: int) -> None:
        load = Load(seconds, self.plan.load.connections, self.plan.load.threads,
                    self.plan.load.core)
        label = "warm-up" if round_no == 0 else f"round {round_no}/{self.plan.rounds}"
        self.progress.begin(f"{scenario.name} · {server.name} · {label}", seconds)
        m = run_wrk(url=f"http://127.0.0.1:{server.port}",
                    script=self.script(scenario, server, f"r{round_no}"), load=load,
                    server_pid=server.pid, server=server.name, scenario=scenario.name,
                    round_no=round_no, tick=lambda left: self.progress.tick(left, seconds))
        if not server.alive():
            raise server.failure("died during the load")
        time.sleep(SETTLE)
        if server.name in self.devices:  # after the settle: late entries are written
            self.devices[server.name].drain(m.requests if round_no > 0 else None)
        self.progress.end(seconds + SETTLE, one_line(m))
        if round_no > 0:
            self.results.measurements.append(m)

    def profile(self, scenario: Scenario, server: Server) -> None:
        assert self.plan.profile_dir is not None
        seconds = self.plan.load.duration
        self.progress.begin(f"{scenario.name} · {server.name} · py-spy", seconds)
        summary = profile_run(
            server_pid=server.pid, load=self.plan.load,
            out=self.plan.profile_dir / f"{scenario.name}-{server.name}",
            run=lambda: run_wrk(
                url=f"http://127.0.0.1:{server.port}",
                script=self.script(scenario, server, "prof"), load=self.plan.load,
                server_pid=server.pid, server=server.name, scenario=scenario.name,
                round_no=-1, tick=lambda left: self.progress.tick(left, seconds)),
        )
        summary.update(scenario=scenario.name, server=server.name)
        self.results.profiles.append(summary)
        self.progress.end(seconds, f"profiled: {summary['samples']} samples → {summary['file']}")


def one_line(m: Measurement) -> str:
    text = (f"{m.rps:,.0f} req/s  p50 {m.p50_us / 1000:.2f} ms  p99 {m.p99_us / 1000:.2f} ms  "
            f"{m.cpu_us_per_req:.0f} µs CPU/req  non-2xx {m.non2xx}")
    if m.first_error:
        text += f"  (first: {m.first_error[:100]})"
    if m.socket_errors:
        text += f"  socket errors {m.socket_errors}"
    return text


def describe(server: Server) -> dict[str, Any]:
    client = Client(server.port)
    try:
        status = client.request("GET", "sys/seal-status").json() or {}
    finally:
        client.close()
    return {"kind": server.spec.kind, "mode": server.spec.mode, "pid": server.pid,
            "port": server.port, "core": server.core, "version": status.get("version", ""),
            "storage": status.get("storage_type", "")}
