"""Real memory and process-count limits per child, with cgroups, where the grader may create them
(as root, or in a delegated subtree). v1 (separate pids and memory hierarchies) and v2 (unified)
are both handled; each child's group is made below the grader's own, so any limit the machine
already puts on the grader still holds."""
from __future__ import annotations

import errno
import os
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


def join(layout: Layout, name: str, processes: int, memory_bytes: int, move: bool = True) -> None:
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


def remove(layout: Layout, name: str) -> None:
    """Remove the groups once their processes are gone (a killed process may take a moment)."""
    for folder in {Path(base) / name for base in layout.bases.values()}:
        for _ in range(100):
            try:
                folder.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError as error:
                if error.errno != errno.EBUSY:
                    break
                time.sleep(0.01)
