"""The built-in check kinds, each usable from TOML alone (its options documented in README,
"Check kinds"). An exercise's own kinds live in its assignments/ID.py (grader.authoring)."""
from grader.kinds.api import Api
from grader.kinds.backprop import Backprop
from grader.kinds.base import Kind, ReferenceFailure, Run, Verdict
from grader.kinds.call import Call
from grader.kinds.fit import Fit
from grader.kinds.gradient import Gradient
from grader.kinds.manual import Manual
from grader.kinds.output import Output
from grader.kinds.script import Script

BUILTIN: dict[str, Kind] = {kind.name: kind for kind in (Api(), Output(), Script(), Call(), Gradient(), Backprop(), Fit(),
                                                      Manual())}

__all__ = ["BUILTIN", "Kind", "ReferenceFailure", "Run", "Verdict"]
