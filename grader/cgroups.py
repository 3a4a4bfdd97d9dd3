"""Real memory and process-count limits per child, with cgroups, where the grader may create them
(as root, or in a delegated subtree). v1 (separate pids and memory hierarchies) and v2 (unified)
are both handled; groups are made below the grader's own, so any limit the machine already puts
on the grader still holds.

Each warm worker moves itself into a group of its own once: moving a process between groups
waits for the kernel's RCU grace period (milliseconds), too slow to pay per child. A worker runs
one child at a time, so the group's limits are that child's, set before each fork."""
from __future__ import annotations

import errno
import os
import signal
import time
from pathlib import Path

from pydantic import BaseModel

ROOT = Path("/sys/fs/cgroup")


class Layout(BaseModel):
    """Where a child's groups go and which files hold the limits."""

    version: str
    bases: dict[str, str]            # controller -> folder under which children's groups are made
    pids_file: str
    memory_file: str


def _own_paths() -> dict[str, str]:
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def find() -> tuple[Layout | None, str]:
    """A layout that works on this machine (tried for real), or None and why not."""
    try:
        own = _own_paths()
    except OSError as error:
        return None, f"cannot read /proc/self/cgroup ({error})"
    if (ROOT / "cgroup.controllers").exists():
        base = ROOT / own.get("", "/").lstrip("/")
        layout = Layout(version="v2", bases={"pids": str(base), "memory": str(base)},
                        pids_file="pids.max", memory_file="memory.max")
        try:
            (base / "cgroup.subtree_control").write_text("+pids +memory")
        except OSError as error:
            return None, f"cgroup v2: cannot enable pids and memory below {base} ({error.strerror})"
    elif (ROOT / "pids").is_dir() and (ROOT / "memory").is_dir():
        layout = Layout(version="v1", bases={c: str(ROOT / c / own.get(c, "/").lstrip("/")) for c in ("pids", "memory")},
                        pids_file="pids.max", memory_file="memory.limit_in_bytes")
    else:
        return None, "no pids and memory cgroup controllers are mounted"
    name = f"numgrader-probe-{os.getpid()}"
    try:
        join(layout, name, processes=8, memory_bytes=2**30, move=False)
    except OSError as error:
        return None, f"cgroup {layout.version}: cannot create groups below {layout.bases['pids']} ({error.strerror})"
    finally:
        remove(layout, name)
    return layout, ""


def join(layout: Layout, name: str, processes: int, memory_bytes: int | str, move: bool = True) -> None:
    """Make the groups `name` with their limits; with `move`, put the calling process in them."""
    limits = {"pids": (layout.pids_file, str(processes)), "memory": (layout.memory_file, str(memory_bytes))}
    made = set()
    for controller, base in layout.bases.items():
        folder = Path(base) / name
        if folder not in made:
            folder.mkdir(exist_ok=True)
            made.add(folder)
        limit_file, value = limits[controller]
        (folder / limit_file).write_text(value)
    if move:
        for folder in made:
            (folder / "cgroup.procs").write_text(str(os.getpid()))


def worker_group(pid: int) -> str:
    return f"numgrader-worker-{pid}"


def set_memory_limit(layout: Layout, name: str, headroom: int) -> None:
    """Allow the group what it uses now (the worker) plus `headroom` bytes (the next child)."""
    folder = Path(layout.bases["memory"]) / name
    usage_file = "memory.usage_in_bytes" if layout.version == "v1" else "memory.current"
    used = int((folder / usage_file).read_text())
    (folder / layout.memory_file).write_text(str(used + headroom))


def clear(layout: Layout, name: str, wait: float = 5.0) -> None:
    """Kill whatever an earlier child left in the group (a fork bomb dies slowly), and wait until
    only the calling process's own threads are counted, so the next child has its full share."""
    folder = Path(layout.bases["pids"]) / name
    own = os.getpid()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        others = [int(pid) for pid in (folder / "cgroup.procs").read_text().split() if int(pid) != own]
        if not others and int((folder / "pids.current").read_text()) <= len(os.listdir("/proc/self/task")):
            return
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.002)


def unlimited(layout: Layout) -> str:
    return "-1" if layout.version == "v1" else "max"


def leave(layout: Layout, name: str) -> None:
    """Move the calling process back to the group it came from, and remove `name`."""
    for base in {Path(b) for b in layout.bases.values()}:
        (base / "cgroup.procs").write_text(str(os.getpid()))
    remove(layout, name)


def remove(layout: Layout, name: str, wait: float = 1.0) -> bool:
    """Remove the groups once their processes are gone (a killed process takes a moment to leave
    its group); waits at most `wait` seconds. True when they are gone."""
    deadline = time.monotonic() + wait
    pending = {Path(base) / name for base in layout.bases.values()}
    while pending:
        for folder in list(pending):
            try:
                folder.rmdir()
                pending.discard(folder)
            except FileNotFoundError:
                pending.discard(folder)
            except OSError as error:
                if error.errno != errno.EBUSY:
                    pending.discard(folder)      # not ours to remove after all: leave it
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(0.001)
    return not pending
