import hashlib
import socket
from pathlib import Path

import pytest

from grader.engine import Grader, Options
from grader.exercises import load_specs

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"


@pytest.fixture(scope="session")
def specs():
    return load_specs(ROOT / "assignments")


def grade(path: Path, specs, **options):
    """Grade PATH with the project's reference and specs; a fixed seed keeps failures reproducible."""
    options.setdefault("seed", 1234)
    options.setdefault("workers", 2)
    return Grader(specs, REFERENCE, Options(**options)).grade(path)


def by_student(report):
    return {s.student: {e.exercise: e for e in s.exercises} for s in report.submissions}


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return folder


def reference_source(name: str) -> str:
    return (REFERENCE / name).read_text(encoding="utf-8")


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def unix_listeners(folder: Path) -> tuple[socket.socket, socket.socket]:
    """A listening stream socket (folder/l.sock) and a bound datagram socket (folder/d.sock), both
    non-blocking, outside every box: a child that reaches either has a channel out."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(folder / "l.sock"))
    listener.listen()
    listener.setblocking(False)
    datagram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    datagram.bind(str(folder / "d.sock"))
    datagram.setblocking(False)
    return listener, datagram
