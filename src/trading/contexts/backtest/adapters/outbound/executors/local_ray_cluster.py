"""A Ray cluster on this machine for users and tests: one head node bound to 127.0.0.1, every port it
opens taken from one configured range, a small object store, no dashboard UI.

Ray swaps a loopback node address for the machine's reachable one unless told this is a single-node
setup (`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0` keeps 127.0.0.1, set for the `ray start` process only).
The raylet waits a fixed ~15 s for its Python dashboard agent to publish the agent's HTTP port in a
file and aborts when it is late, which a busy machine (CI, a shared dev box) easily makes it. Every
port of this cluster is fixed by the range, so the start publishes that port itself as soon as the
raylet exists (the agent later writes the same number), and a failed start is retried.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"
# Keeps Ray from replacing a loopback node or head address with the machine's reachable one.
SINGLE_NODE_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
# Fixed service ports at the start of the range; worker processes take the rest.
_SERVICE_PORTS = (
    "port",
    "node-manager-port",
    "object-manager-port",
    "dashboard-agent-grpc-port",
    "dashboard-agent-listen-port",
    "metrics-export-port",
    "runtime-env-agent-port",
    "dashboard-port",
)
_FIRST_WORKER_OFFSET = 10
MIN_PORT_SPAN = _FIRST_WORKER_OFFSET + 8


@dataclass(frozen=True)
class LocalClusterSpec:
    port_min: int
    port_max: int
    num_cpus: int
    object_store_bytes: int
    temp_dir: str

    def __post_init__(self) -> None:
        if self.port_max - self.port_min + 1 < MIN_PORT_SPAN:
            raise ValueError(f"the port range needs at least {MIN_PORT_SPAN} ports")

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port_min}"

    def ports(self) -> dict[str, int]:
        return {name: self.port_min + offset for offset, name in enumerate(_SERVICE_PORTS)}

    def start_command(self) -> list[str]:
        ray_cli = str(Path(sys.executable).with_name("ray"))
        args = [ray_cli, "start", "--head", f"--node-ip-address={LOOPBACK}"]
        args += [f"--{name}={port}" for name, port in self.ports().items()]
        args += [
            f"--min-worker-port={self.port_min + _FIRST_WORKER_OFFSET}",
            f"--max-worker-port={self.port_max}",
            "--include-dashboard=false",
            f"--num-cpus={self.num_cpus}",
            f"--object-store-memory={self.object_store_bytes}",
            "--disable-usage-stats",
            f"--temp-dir={self.temp_dir}",
        ]
        return args


def ray_start_environment() -> dict[str, str]:
    # Ray runs task workers at nice 15 by default: on a machine shared with other work they would
    # barely run. The shards are this cluster's whole purpose, so they run at normal priority.
    return {**os.environ, **SINGLE_NODE_ENV, "RAY_worker_niceness": "0"}


def cluster_pids(spec: LocalClusterSpec) -> list[int]:
    """Processes of this cluster: those with the cluster's temp dir in their command line, and their
    descendants (worker processes rename themselves `ray::...`)."""
    parent_of: dict[int, int] = {}
    matched: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        parent_of[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        if spec.temp_dir.encode() in cmdline:
            matched.add(pid)
    own_line, cursor = {os.getpid()}, os.getpid()  # this process and its ancestors (the CLI) may name it too
    while (cursor := parent_of.get(cursor, 0)) > 1 and cursor not in own_line:
        own_line.add(cursor)
    matched -= own_line
    found = set(matched)
    for pid in parent_of:
        ancestor = parent_of.get(pid, 0)
        while ancestor > 1 and ancestor not in matched:
            ancestor = parent_of.get(ancestor, 0)
        if ancestor in matched:
            found.add(pid)
    return sorted(found - own_line)


def _raylet_args(spec: LocalClusterSpec) -> dict[str, str] | None:
    for pid in cluster_pids(spec):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if args and args[0].endswith("/raylet"):
            return dict(a[2:].split("=", 1) for a in args[1:] if a.startswith("--") and "=" in a)
    return None


class _AgentPortPublisher(threading.Thread):
    """Writes `dashboard_agent_listen_port_<node id>` into the session dir once the raylet runs."""

    def __init__(self, spec: LocalClusterSpec) -> None:
        super().__init__(name="ray-agent-port", daemon=True)
        self._spec = spec
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            args = _raylet_args(self._spec)
            if args and "session_dir" in args and "node_id" in args:
                target = Path(args["session_dir"]) / f"dashboard_agent_listen_port_{args['node_id']}"
                if not target.exists():
                    scratch = target.with_name(target.name + ".tmp")
                    scratch.write_text(str(self._spec.ports()["dashboard-agent-listen-port"]))
                    scratch.replace(target)
                return


def start_local_cluster(spec: LocalClusterSpec, attempts: int = 3, timeout_seconds: float = 300) -> None:
    """Blocks until the head node is up; a failed start is stopped and retried. Raises
    CalledProcessError with Ray's output when every attempt failed."""
    for attempt in range(1, attempts + 1):
        publisher = _AgentPortPublisher(spec)
        publisher.start()
        try:
            subprocess.run(
                spec.start_command(),
                env=ray_start_environment(),
                check=True,
                capture_output=True,
                text=True,
                timeout=timeout_seconds,
                start_new_session=True,  # the daemons must not get signals meant for the caller's group
            )
            if cluster_is_up(spec):
                return
            raise subprocess.CalledProcessError(1, spec.start_command(), "", "the head node did not come up")
        except subprocess.CalledProcessError:
            stop_local_cluster(spec)
            if attempt == attempts:
                raise
        finally:
            publisher.done.set()
            publisher.join()


def cluster_is_up(spec: LocalClusterSpec, timeout_seconds: float = 120, poll_seconds: float = 1.0) -> bool:
    """Polls `ray status` until it lists the active node. Right after `ray start` it answers "No cluster
    status" (exit 0) until Ray's monitor publishes its first report, which a busy machine delays by
    many seconds; a failed call (no GCS at the address) is final."""
    ray_cli = str(Path(sys.executable).with_name("ray"))
    deadline = time.monotonic() + timeout_seconds
    while True:
        remaining = deadline - time.monotonic()
        try:
            status = subprocess.run(
                [ray_cli, "status", f"--address={spec.address}"],
                env=ray_start_environment(),
                capture_output=True,
                text=True,
                timeout=max(remaining, 1.0),
                check=False,
            )
        except subprocess.TimeoutExpired:
            return False
        if status.returncode != 0:
            return False
        if "Active:" in status.stdout:
            return True
        if time.monotonic() + poll_seconds > deadline:
            return False
        time.sleep(poll_seconds)


def stop_local_cluster(spec: LocalClusterSpec, grace_seconds: float = 10) -> int:
    """Ends this cluster's processes only (found by its temp dir), TERM then KILL; returns how many."""
    pids = cluster_pids(spec)
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.2)
    for pid in pids:
        _signal(pid, signal.SIGKILL)
    return len(pids)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
