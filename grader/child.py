"""Inside the child: answer one request at a time, with plain data, and nothing more.

The child holds no token, no list of checks, no judge and no expected value: it reads a
`Request` (load the file; call this with these plain arguments; run the script with these
values moved), does it to the student's code under a time limit with output captured, and
writes one `Reply` carrying the request's nonce. What decides the next request, and what the
answers are worth, lives in the grading process. Timeouts raise an exception derived from
BaseException, so a student's `except Exception:` cannot swallow them.
"""
from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import io
import json
import os
import runpy
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from grader import arguments
from grader.plain import Unconvertible, number, to_plain
from grader.wire import ErrorInfo, Job, Request

MODULES = ("builtins", "math", "operator", "torch", "numpy")     # the only modules a `!name` target may start from
GRADER_MODULES: list[str] = []      # the grader's modules, listed by the worker before it forks (see hide_grader)


class CallTimeout(BaseException):
    """Raised by the grader's timer in a request that ran past its time."""


class OutputLimit(BaseException):
    """Raised when student code prints far more than any exercise needs (a print in an endless loop)."""


class CappedText(io.TextIOBase):
    """A stdout replacement that keeps the first `limit` characters, drops the rest, and stops
    the code once it has printed `stop_after` characters."""

    stop_after = 64 * 2**20

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.parts: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.size < self.limit:
            self.parts.append(text[: self.limit - self.size])
        self.size += len(text)
        if self.size > self.stop_after:
            raise OutputLimit(f"stopped after printing more than {self.stop_after // 2**20} MiB")
        return len(text)

    def getvalue(self) -> str:
        text = "".join(self.parts)
        return text + ("\n[... output truncated ...]\n" if self.size > self.limit else "")


def error_info(error: BaseException, box: Path) -> ErrorInfo:
    """Describe an exception, pointing at the innermost frame inside the student's files."""
    if isinstance(error, CallTimeout):
        return ErrorInfo(type="Timeout", message=str(error), timeout=True)
    file = line = code = None
    if isinstance(error, SyntaxError) and error.filename:
        file, line, code = error.filename, error.lineno, (error.text or "").strip() or None
    else:
        for frame in traceback.extract_tb(error.__traceback__):
            if _inside(frame.filename, box):
                file, line, code = frame.filename, frame.lineno, frame.line
    if file is not None and _inside(file, box):
        file = str(Path(file).resolve().relative_to(box.resolve()))
    try:
        message = str(error)
    except BaseException:  # a student exception whose __str__ raises
        message = "<unprintable exception>"
    if isinstance(error, SystemExit):
        message = f"the code called sys.exit({message}) while being graded"
    if isinstance(error, Unconvertible):
        return ErrorInfo(type="TypeError", message=message[:2000])
    return ErrorInfo(type=type(error).__name__, message=message[:2000], file=file, line=line, code=code)


def _inside(filename: str, box: Path) -> bool:
    try:
        Path(filename).resolve().relative_to(box.resolve())
        return True
    except (ValueError, OSError):
        return False


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise CallTimeout(f"stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def captured(limit: int) -> Iterator[CappedText]:
    """Send Python-level prints to a capped buffer for the duration of one request."""
    buffer = CappedText(limit)
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = buffer
    try:
        yield buffer
    finally:
        sys.stdout, sys.stderr = saved


@contextlib.contextmanager
def traced(filename: str | None, lines: set[int]) -> Iterator[None]:
    """Add to `lines` every line of `filename` that runs (a function's `def` line when it is called);
    nothing when `filename` is None."""
    if filename is None:
        yield
        return

    def inside(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            lines.add(frame.f_lineno)
        return inside

    def called(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != filename:
            return None
        lines.add(frame.f_lineno)
        return inside

    previous = sys.gettrace()
    sys.settrace(called)
    try:
        yield
    finally:
        sys.settrace(previous)


class Answerer:
    """The student's loaded code, and the objects earlier steps kept."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.box = Path(job.box)
        self.file = self.box / job.file
        self.namespace: dict[str, Any] = {}
        self.module: ModuleType | None = None
        self.kept: dict[str, Any] = {}

    # --- the requests ---------------------------------------------------------------------------
    def answer(self, request: Request) -> dict[str, Any]:
        started = time.perf_counter()
        records = arguments.Records()
        results: list[Any] = []
        error = None
        lines: set[int] = set()
        with captured(self.job.output_bytes) as output, traced(str(self.file) if self.job.trace else None, lines):
            try:
                with time_limit(request.timeout):
                    handler = getattr(self, f"do_{request.op}")
                    handler(request, results, records)
            except BaseException as caught:  # noqa: BLE001 - student code may raise anything
                error = caught
        reply = {"nonce": request.nonce, "results": results, "records": records.plain(),
                 "output": output.getvalue(), "seconds": time.perf_counter() - started, "error": None}
        if self.job.trace:
            reply["lines"] = sorted(lines)
        if error is not None:
            reply["error"] = error_info(error, self.box).model_dump()
        return reply

    def do_load(self, request: Request, results: list, records: arguments.Records) -> None:
        """Import the module (registered under its exercise name) or run the script as __main__."""
        os.chdir(self.file.parent)
        project = Path(__file__).resolve().parent.parent     # on sys.path only to import the grader
        sys.path[:] = [str(self.file.parent)] + [str(self.box / extra) for extra in self.job.paths] + [
            entry for entry in sys.path if entry and Path(entry).resolve() != project]
        sys.argv = [str(self.file)]
        if self.job.kind == "script":
            with self.moves(request, records):
                self.namespace = runpy.run_path(str(self.file), run_name="__main__")
        elif self.job.kind == "module":
            name = self.file.stem
            spec = importlib.util.spec_from_file_location(name, self.file)
            if spec is None or spec.loader is None:
                raise ImportError(f"{self.file.name} cannot be imported as a module")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            with self.moves(request, records):
                spec.loader.exec_module(module)
            self.namespace, self.module = vars(module), module
        if request.names:           # the api, looked up with the load: one round trip less
            found: list[Any] = []
            self.do_api(request, found, records)
            records.values["api"] = found[0]

    def do_run(self, request: Request, results: list, records: arguments.Records) -> None:
        """Run the file again as a script, in a fresh namespace, with the request's moves."""
        with self.moves(request, records):
            runpy.run_path(str(self.file), run_name="__main__")

    def do_steps(self, request: Request, results: list, records: arguments.Records) -> None:
        self.run_steps(request.steps, results, records)

    def do_cases(self, request: Request, results: list, records: arguments.Records) -> None:
        """Each case's steps on their own: what student code raises ends that case only (the
        grader's timer and output cap end the request)."""
        for case in request.cases:
            done: list[Any] = []
            try:
                self.run_steps(case, done, records)
                results.append({"results": done, "error": None})
            except (CallTimeout, OutputLimit):
                raise
            except BaseException as error:  # noqa: BLE001 - SystemExit from student code too
                results.append({"results": done, "error": error_info(error, self.box).model_dump()})

    def run_steps(self, steps: list, results: list, records: arguments.Records) -> None:
        for step in steps:
            if step.make is not None:
                value = arguments.build(step.make, records)
            elif step.call is not None:
                function = self.resolve(step.call)
                value = function(*[self.argument(a, records) for a in step.args],
                                 **{k: self.argument(v, records) for k, v in step.kwargs.items()})
            else:
                value = self.resolve(step.get or "")
            if value is None and step.default:
                value = self.kept[step.default]
            if step.keep:
                self.kept[step.keep] = value
            results.append(self.convert(value, step.convert))

    def do_api(self, request: Request, results: list, records: arguments.Records) -> None:
        """For each required name: is it there, is it callable, which parameters, a starter's stub?"""
        definitions = Definitions(self.file)
        found = {}
        for name in request.names:
            try:
                value = self.resolve(name)
            except (KeyError, AttributeError, IndexError, TypeError):
                found[name] = {"present": False}
                continue
            entry: dict[str, Any] = {"present": True, "callable": callable(value), "stub": definitions.is_stub(name, value)}
            try:
                parameters = list(inspect.signature(value).parameters)
                entry["parameters"] = parameters if all(type(p) is str for p in parameters) else None
            except Exception:  # noqa: BLE001 - a student's __signature__ may raise anything
                entry["parameters"] = None
            found[name] = entry
        public = sorted(k for k in self.namespace if isinstance(k, str) and not k.startswith("__"))
        results.append({"names": found, "defined": public[:200]})

    def do_files(self, request: Request, results: list, records: arguments.Records) -> None:
        """Files beside the exercise file, inside the box only."""
        for operation in request.files:
            path = self.inside_box(operation.path)
            if operation.op == "exists":
                results.append(path.exists())
            elif operation.op == "rename":
                os.replace(path, self.inside_box(operation.to))
                results.append(True)
            else:
                shutil.copyfile(path, self.inside_box(operation.to))
                results.append(True)

    # --- helpers ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def moves(self, request: Request, records: arguments.Records) -> Iterator[None]:
        started: list[tuple[str, arguments.Move]] = []
        try:
            for wanted in request.moves:
                started.append((wanted.kind, arguments.start(wanted.kind, wanted.target, wanted.values, wanted.attributes)))
            yield
        finally:
            failure = None
            for kind, move in reversed(started):     # every move is undone, even when one's record fails
                try:
                    records.values[kind] = move.finish()
                    self.kept.update(getattr(move, "objects", dict)())
                except Exception as error:  # noqa: BLE001 - student objects may break the record
                    failure = failure or error
            if failure is not None:
                raise failure

    def inside_box(self, relative: str) -> Path:
        path = (self.file.parent / relative).resolve()
        path.relative_to(self.box.resolve())      # ValueError outside the box
        return path

    def resolve(self, target: str) -> Any:
        head, *rest = target.split(".")
        if head.startswith("$"):
            value = self.kept[head[1:]]
        elif head.startswith("!"):
            if head[1:] not in MODULES:
                raise KeyError(f"module {head[1:]!r} is not one a request may name")
            value = importlib.import_module(head[1:])
        else:
            value = self.namespace[head]
        for name in rest:
            value = value[int(name)] if name.isdigit() else getattr(value, name)
        return value

    def argument(self, value: Any, records: arguments.Records) -> Any:
        if isinstance(value, dict):
            if set(value) == {"$"}:
                return self.kept[value["$"]]
            if set(value) == {"make"}:
                return arguments.build(value["make"], records)
            return {k: self.argument(v, records) for k, v in value.items()}
        if isinstance(value, list):
            return [self.argument(v, records) for v in value]
        return value

    @staticmethod
    def convert(value: Any, how: str) -> Any:
        if how == "none":
            return None
        if how == "number":
            return number(value)
        if how == "str":
            text = str(value)
            if type(text) is not str:
                raise Unconvertible("str() did not return a string")
            return str.__str__(text)
        return to_plain(value)


class Definitions:
    """The functions and classes the student's file defines, read from its source once."""

    def __init__(self, file: Path) -> None:
        self.tree: ast.Module | None
        try:
            self.tree = ast.parse(file.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            self.tree = None

    def find(self, dotted: str) -> ast.AST | None:
        """The last definition of `f` or `Class.method` at the top level (the one in effect)."""
        body = self.tree.body if self.tree is not None else []
        node = None
        for name in dotted.split("."):
            node = None
            for statement in body:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and statement.name == name:
                    node = statement
            if node is None:
                return None
            body = node.body if isinstance(node, ast.ClassDef) else []
        return node

    def is_stub(self, dotted: str, value: Any) -> bool:
        """A function whose body (past its docstring) is only `raise NotImplementedError(...)`, or
        a class made of such methods: the starter's placeholder, not an answer. Only when `value`,
        the object in effect, is the one that definition made (not a later assignment or import)."""
        node = self.find(dotted)
        if isinstance(node, ast.ClassDef):
            methods = [m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
            members = getattr(value, "__dict__", {})
            return bool(methods) and all(_raises_not_implemented(m) and _made_by(members.get(m.name), m) for m in methods)
        return (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _raises_not_implemented(node)
                and _made_by(value, node))


def _made_by(value: Any, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    code = getattr(inspect.unwrap(value), "__code__", None) if callable(value) else None
    lines = {node.lineno, *(decorator.lineno for decorator in node.decorator_list)}
    return code is not None and code.co_firstlineno in lines


def _raises_not_implemented(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = [node for node in function.body
            if not (isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def scrubbed(value: Any, depth: int = 0) -> Any:
    """Strings that UTF-8 can carry: a lone surrogate (what surrogateescape decoding leaves in
    text) would make the whole reply unreadable, and an honest program that prints one would
    lose its exercise."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8") if not value.isascii() else value
    if depth > 40:
        return value
    if isinstance(value, list):
        return [scrubbed(item, depth + 1) for item in value] if any(isinstance(i, (str, list, dict)) for i in value) else value
    if isinstance(value, dict):
        return {scrubbed(key, depth + 1): scrubbed(item, depth + 1) for key, item in value.items()}
    return value


def hide_grader() -> dict[str, ModuleType]:
    """Take the grader's modules out of sys.modules before student code runs: a student's
    `sys.modules["grader.arguments"]` finds nothing to patch, and Landlock keeps the files
    unreadable, so they cannot be imported again. Their names were listed by the worker before
    the fork (scanning sys.modules here would copy the pages its thousands of keys sit on), and
    the modules are returned to be held (freed, their objects' pages would be copied too). The
    objects this child already holds stay
    reachable to code that walks frames: what the child reports about the student's own run
    (records of moves) is a claim the judges weigh, never proof."""
    return {name: sys.modules.pop(name) for name in GRADER_MODULES if name in sys.modules}


def serve(job: Job, requests_fd: int, replies_fd: int) -> None:
    """The child's life after the sandbox is up: a request a line in, a reply a line out, until
    the grading side closes the request pipe."""
    hidden = hide_grader()       # noqa: F841 - held for the child's life
    incoming = os.fdopen(requests_fd, "r", encoding="utf-8", closefd=True)
    outgoing = os.fdopen(replies_fd, "w", encoding="utf-8", closefd=True)
    answerer = Answerer(job)
    for line in incoming:
        try:
            request = Request.model_validate_json(line)
        except ValueError:
            continue        # not the grader's: the grading side only writes valid requests
        reply = scrubbed(answerer.answer(request))
        try:
            text = json.dumps(reply, allow_nan=True)
        except (TypeError, ValueError) as problem:     # a value that is not plain data: the grader's bug
            text = json.dumps({"nonce": request.nonce, "output": reply["output"], "seconds": reply["seconds"],
                               "error": ErrorInfo(type="GraderError", message=f"answer not plain data: {problem}"[:500]).model_dump()})
        outgoing.write(text + "\n")
        outgoing.flush()
