"""Results kept between runs in one SQLite file, so an unchanged class is not graded again.

A result is stored under a key made of everything it depends on: the submission's content,
the exercise's spec, the reference solutions, the grader's version and code, the seed and the
device. A cache that cannot be read or written (corrupted, locked, read-only) is reported and
bypassed: grading never fails because of it."""
from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from pathlib import Path

from pydantic import ValidationError

from grader.report import ExerciseResult

FILE_NAME = ".grader-cache.sqlite"


def tree_hash(root: Path, pattern: str = "*") -> str:
    """Content hash of every file below root matching `pattern` (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def grader_fingerprint() -> str:
    """The grader's version and a hash of its own code: a result judged by other probes or checks
    (a development checkout, a patched install) is not reused."""
    from grader import __version__

    return f"{__version__}+{tree_hash(Path(__file__).resolve().parent, '*.py')[:16]}"


def key(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class CacheUnavailable(Exception):
    pass


class ResultCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=2.0)
            self._write_ahead()
            self.db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, result TEXT NOT NULL)")
            self.db.commit()
        except (sqlite3.Error, OSError) as error:
            raise CacheUnavailable(f"result cache {path} cannot be used ({error}); grading everything") from None

    def _write_ahead(self) -> None:
        """One small write per graded item: with a write-ahead log a commit needs no flush to disk
        (a crash may lose the last results, never the file). Where WAL is refused (a read-only
        file, a filesystem without shared memory), the default journal stays."""
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error:
            pass

    def empty(self) -> bool:
        """Nothing stored yet (or nothing readable): every item will run."""
        try:
            return self.db.execute("SELECT 1 FROM results LIMIT 1").fetchone() is None
        except sqlite3.Error:
            return True

    def get(self, entry: str) -> ExerciseResult | None:
        try:
            row = self.db.execute("SELECT result FROM results WHERE key = ?", (entry,)).fetchone()
        except sqlite3.Error as error:
            raise CacheUnavailable(f"result cache {self.path} cannot be read ({error}); grading everything") from None
        if row is None:
            return None
        try:
            return ExerciseResult.model_validate_json(row[0])
        except ValidationError:
            return None     # written by another version of the result model: grade again

    def put(self, entry: str, result: ExerciseResult) -> None:
        try:
            self.db.execute("INSERT OR REPLACE INTO results (key, result) VALUES (?, ?)", (entry, result.model_dump_json()))
            self.db.commit()
        except sqlite3.Error as error:
            raise CacheUnavailable(f"result cache {self.path} cannot be written ({error}); results not kept") from None

    def close(self) -> None:
        self.db.close()
