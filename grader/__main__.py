import os
import sys

# `python -m grader .` in a student's folder puts that folder first on the path: their json.py
# would be imported by the grading process itself. Only the grader's own modules are wanted.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from grader.cli import main  # noqa: E402

raise SystemExit(main())
