import hashlib
from pathlib import Path

import pytest

from grader.engine import Grader, Options
from grader.spec import load_specs

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
