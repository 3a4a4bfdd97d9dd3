"""One file name per student, for the outputs that write a file each (the HTML pages, the
Markdown feedback).

A student's name is a folder name, and may be anything a folder can be called: `alice` and
`alice.` (one name on Windows), `Alice` and `alice` (one name on macOS), `..`, `.git`, spaces,
accents, control characters. The stem is a readable ASCII slug of the name; when two students'
slugs meet (ignoring case), each gets a short hash of its own name as well, so the stems are
distinct, and the same for the same report.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter

from grader.report import ClassReport

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10))}


def file_stems(report: ClassReport) -> list[str]:
    """A distinct, filesystem-safe file stem for each of `report.submissions`, in order."""
    slugs = [slug(s.student) for s in report.submissions]
    met = Counter(s.casefold() for s in slugs)
    stems, taken = [], set()
    for submission, readable in zip(report.submissions, slugs):
        stem = readable
        if met[readable.casefold()] > 1:
            stem = f"{readable}-{hashlib.sha256(submission.student.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
        count = 1
        while stem.casefold() in taken:           # the same name twice, or a name that is a hashed stem
            count += 1
            stem = f"{readable}-{count}"
        taken.add(stem.casefold())
        stems.append(stem)
    return stems


def slug(name: str) -> str:
    """Letters, digits, `_` and `-` of `name`, accents dropped; never empty, hidden or reserved."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_name).strip("_-")[:60] or "student"
    return f"{text}_" if text.upper() in _RESERVED else text
