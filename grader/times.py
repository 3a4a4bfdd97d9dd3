"""When a submission's exercise file was handed in, and where that time came from, in order:

1. Gradescope's `submission_metadata.json` (`created_at`), beside the submission as Gradescope's
   autograder lays it out (`/autograder/submission_metadata.json`): one submission graded alone;
2. a timestamp file beside the submission (`alice.timestamp` for `alice/` or `alice.zip`), which
   an instructor's download script or an LMS export writes: one ISO 8601 time;
3. the last commit that touched the file, in a submission that is a git repository (GitHub
   Classroom's clones);
4. the zip entry's time, for a submission handed in as a zip;
5. the file's modification time, with a warning (copying a folder can change it).

1 and 2 are the platform's and the instructor's, and they come first: 3, 4 and 5 are set by the
student's own machine (a commit can be dated 1980), and the report says which one was used.
Neither file is ever read from inside the submission, where the student could write one.
Nothing here runs student code. The repository is read with dulwich in an isolated child (`-I`,
no environment, run from the file system's root) with a memory and time limit: a pack file is
data the student wrote, and `git` itself would run commands a repository's config names.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.report import TimeSource  # not imported at run time: the git child starts with this module alone

GIT_SECONDS = 20
GIT_MEMORY = 1024 * 2**20
METADATA = "submission_metadata.json"


Found = tuple[datetime | None, "TimeSource | None", str]


def handed_in(path: Path, files: list[str], zone: tzinfo, alone: bool) -> dict[str, Found]:
    """For each of a submission's files (relative to it): (time with its zone, its source, a
    warning or ""). `alone`: the submission is graded by itself (Gradescope's layout)."""
    path = path.resolve()                    # `grade .`: the folder above is the platform's, never the student's
    metadata = path.parent / METADATA
    if alone and metadata.is_file():
        try:
            moment = aware(datetime.fromisoformat(json.loads(metadata.read_text(encoding="utf-8"))["created_at"]), zone)
            return {file: (moment, "gradescope", "") for file in files}
        except (OSError, ValueError, KeyError, TypeError) as error:
            return {file: (None, None, f"{metadata}: no created_at time in it ({error})") for file in files}
    stamp = path.parent / f"{path.stem if path.suffix == '.zip' else path.name}.timestamp"
    if stamp.is_file():
        try:
            moment = aware(datetime.fromisoformat(stamp.read_text(encoding="utf-8").strip()), zone)
            return {file: (moment, "timestamp file", "") for file in files}
        except (OSError, ValueError) as error:
            return {file: (None, None, f"{stamp.name}: not an ISO 8601 time ({error}): no late penalty applied")
                    for file in files}
    git = path / ".git"
    commits = last_commits(path, files) if path.is_dir() and git.is_dir() and not git.is_symlink() else {}
    found: dict[str, Found] = {}
    for file in files:
        committed = commits.get(file)
        zipped = zip_time(path, file, zone) if path.suffix == ".zip" else None
        found[file] = ((committed, "git", "") if committed is not None else (zipped, "zip", "") if zipped is not None
                       else by_file(path, file, zone))
    return found


def by_file(path: Path, file: str, zone: tzinfo) -> Found:
    target = path / file
    if path.is_dir() and target.is_file() and not target.is_symlink():
        return (datetime.fromtimestamp(target.stat().st_mtime, tz=zone), "file time",
                f"the time {file} was handed in is its file's modification time, which copying can change: "
                "give a timestamp file, the zip or the git repository for a sure one")
    return None, None, f"no time found for {file}: no late penalty applied"


def aware(moment: datetime, zone: tzinfo) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def zip_time(path: Path, file: str, zone: tzinfo) -> datetime | None:
    """The time of the zip entry that unpacked to `file` (entries carry a local time, no zone):
    the file itself, or inside the one folder that wraps everything (which unpacking removes)."""
    wanted = file.replace("\\", "/")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = [(entry.filename.replace("\\", "/"), entry) for entry in archive.infolist()]
            found = [entry for name, entry in entries if name == wanted or name.endswith("/" + wanted)
                     and name.count("/") == wanted.count("/") + 1]
            return datetime(*found[0].date_time, tzinfo=zone) if found else None
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def last_commits(repository: Path, files: list[str]) -> dict[str, datetime]:
    """The committer time of the last commit that touched each file, read in a limited child."""
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (GIT_MEMORY, GIT_MEMORY))

    try:
        # -I: no user site, no PYTHON* variables, no current folder on the path (a student's json.py is not imported)
        done = subprocess.run([sys.executable, "-I", "-m", "grader.times", str(repository), *files], capture_output=True,
                              text=True, timeout=GIT_SECONDS, preexec_fn=limits, stdin=subprocess.DEVNULL, cwd="/",
                              env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
        answers = json.loads(done.stdout) if done.returncode == 0 else {}
        return {file: datetime.fromisoformat(answers[file]) for file in files if isinstance(answers.get(file), str)}
    except (subprocess.TimeoutExpired, OSError, ValueError, AttributeError):
        return {}


def commit_times(repository: str, files: list[str]) -> dict[str, str]:
    """In the child: the ISO time of the last commit touching each file (absent: none did)."""
    from dulwich.repo import Repo

    found = {}
    with Repo(repository) as repo:
        for file in files:
            for entry in repo.get_walker(paths=[file.encode("utf-8")], max_entries=1):
                commit = entry.commit
                offset = timezone(timedelta(seconds=commit.commit_timezone))
                found[file] = datetime.fromtimestamp(commit.commit_time, tz=offset).isoformat()
    return found


if __name__ == "__main__":
    print(json.dumps(commit_times(sys.argv[1], sys.argv[2:])))
