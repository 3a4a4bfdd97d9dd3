"""Grade a class: reference runs once, every (submission, exercise) in a sandboxed child, judged here.

The trusted side of the boundary: it chooses the probes' inputs from the run's seed, keeps the
reference's observations, and turns the plain data children send into verdicts.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from grader import __version__
from grader.cache import CacheUnavailable, ResultCache, grader_fingerprint, tree_hash
from grader.cache import key as cache_key
from grader.driver import Call, Item
from grader.fences import PROCESS_LIMIT, Isolation, Mechanism, Plan, level
from grader.fences import probe as probe_fences
from grader.kinds import ReferenceFailure, Run, Verdict
from grader.kinds.base import where
from grader.notebooks import in_cells
from grader.report import CheckResult, ClassReport, ExerciseResult, ExerciseStatus, SubmissionResult
from grader.runners import LocalRunner
from grader.spec import CheckSpec, ExerciseSpec, SpecError
from grader.submissions import Submission, SubmissionError, find_files, list_submissions, opened, printable, stage, student_name
from grader.wire import Job, Observation, RunReply

OUTPUT_BYTES = 256 * 1024
JUDGE_SECONDS = 20.0      # one check's judging; past it the item is the grader's error, not a hang


class JudgeTimeout(BaseException):
    """A judge ran past JUDGE_SECONDS (on data no judge should take that long over)."""


@contextlib.contextmanager
def judge_time_limit(seconds: float) -> Iterator[None]:
    """SIGALRM where it can be used (the main thread, as in `grade`); elsewhere no limit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise JudgeTimeout(f"judging took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def inputs_seed(seed: int, content: str, secret: bytes) -> int:
    """The seed the inputs are drawn from when a student sees the run: an HMAC of the run's seed
    and the submission's content under the instructor's secret. Any change to the code draws new
    inputs (answers remembered from one run's feedback are worth nothing in the next), yet the
    instructor, holding the secret, reproduces any run from its seed and the same files."""
    digest = hmac.new(secret, f"{seed}:{content}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@dataclass
class Options:
    seed: int | None = None
    workers: int = 2
    timeout: float | None = None          # overrides every exercise's timeout
    device: str = "cpu"                   # "cpu" or "cuda", resolved by the CLI
    mode: str = "auto"                    # "auto", "single" or "class"
    exercises: list[str] = field(default_factory=list)  # restrict to these ids
    cache: Path | None = None             # SQLite file of earlier results; None: grade everything
    cluster: str | None = None            # Dask scheduler address, or "local:N" for a LocalCluster
    secret: bytes = b""                   # the instructor's key for inputs drawn per submission content
    only: dict[str, list[str]] = field(default_factory=dict)   # student → the exercises graded (others' files are needs)
    traced: set[str] = field(default_factory=set)              # students whose runs record the lines they ran (trusted code)
    answers: bool = False                 # keep a digest of every run's answers (grade mutants compares them)


@dataclass
class Pending:
    submission: Submission
    spec: ExerciseSpec
    future: Future[RunReply]


Progress = Callable[[int, int, str], None]


class Runner(Protocol):
    """Where items run: grader.runners.LocalRunner or grader.cluster.ClusterRunner."""

    def submit(self, item: Item, staged: Path, name: str) -> Any: ...

    def close(self) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...


class Grader:
    def __init__(self, specs: list[ExerciseSpec], reference: Path, options: Options) -> None:
        self.specs = [spec for spec in specs if not options.exercises or spec.id in options.exercises]
        self.every_spec = specs          # files are found for all: a graded exercise's needs, a notebook's sections
        self.reference = reference
        self.options = options
        self.seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)
        self.draw_inputs(self.seed)
        self.content_keyed = False
        self.plan, self.mechanisms = probe_fences([reference])
        self.scratch = Path(tempfile.mkdtemp(prefix="grader-"))   # unpacked zips and staged copies
        self.errors: list[str] = []
        self.notices: list[str] = []
        self.cache = self.open_cache()

    def draw_inputs(self, seed: int) -> None:
        self.params = {}
        for spec in self.specs:
            for check in spec.checks:
                try:
                    self.params[(spec.id, check.name)] = spec.kinds[check.name].inputs(
                        check, random.Random(f"{seed}:{spec.id}:{check.name}"))
                except Exception as error:  # noqa: BLE001 - an instructor's @inputs may raise anything
                    where = getattr(spec.kinds[check.name], "where", f"assignments/{spec.id}.toml")
                    raise SpecError(f"{where}: the inputs of {spec.id}'s check {check.name!r} could not be drawn "
                                    f"({type(error).__name__}: {error})") from None

    @property
    def isolation(self) -> Isolation:
        return isolation(self.plan, self.mechanisms, self.specs)

    # --- jobs -------------------------------------------------------------------------------
    def job(self, submission: Submission, spec: ExerciseSpec) -> Item:
        """The work item; its box is set by the runner that gives it a private copy."""
        file = submission.files[spec.id]
        paths = sorted({str(submission.files[need].parent) for need in spec.needs if need in submission.files})
        calls = [Call(check=check.name, probe=spec.keys[check.name], params=self.params[(spec.id, check.name)])
                 for check in spec.checks if spec.kinds[check.name].asks]
        device = "cuda" if self.options.device == "cuda" and spec.device == "auto" else "cpu"
        timeout = self.options.timeout or spec.timeout
        job = Job(exercise=spec.id, kind=spec.kind, box="", file=str(file), paths=paths,
                  timeout=timeout, call_timeout=min(spec.call_timeout, timeout), memory_mb=spec.memory_mb,
                  output_bytes=OUTPUT_BYTES, device=device, gpu_sharers=self.gpu_sharers(), fences=self.plan,
                  trace=submission.student in self.options.traced)
        return Item(job=job, calls=calls, code=spec.code)

    def gpu_sharers(self) -> int:
        """How many children may hold the GPU at once: one per local worker, or per worker of a
        local cluster; on a real cluster one per Dask worker, and one Dask worker per GPU."""
        cluster = self.options.cluster
        if cluster is None:
            return max(1, self.options.workers)
        return max(1, int(cluster.split(":", 1)[1])) if cluster.startswith("local:") else 1

    def prepare(self, path: Path, index: int) -> Submission:
        student = student_name(path)
        submission = opened(path, student, self.scratch / f"unpacked-{index}", self.every_spec)
        if student in self.options.only:
            submission.only = set(self.options.only[student])
        stage(submission, self.scratch / f"staged-{index}")
        return submission

    def submit(self, runner: Runner, submission: Submission, index: int, exercises: set[str]) -> list[Pending]:
        pending = []
        for spec in self.specs:
            if not submission.graded(spec.id) or spec.id not in exercises:
                continue
            related = [spec.id] + [need for need in spec.needs if need in submission.files]
            for exercise in related:
                note = submission.encoding_notes.get(str(submission.files[exercise]))
                if note:
                    submission.exercise_warnings.setdefault(spec.id, []).append(note)
            future = runner.submit(self.job(submission, spec), submission.folder(), f"{index}-{spec.id}")
            pending.append(Pending(submission, spec, future))
        return pending

    # --- judging ----------------------------------------------------------------------------
    def judge(self, pending: Pending, reply: RunReply, reference: Run | None) -> ExerciseResult:
        submission, spec = pending.submission, pending.spec
        result = ExerciseResult(exercise=spec.id, status="graded", score=0.0, max_score=spec.max_score,
                                file=submission.shown(spec.id),
                                warnings=list(submission.exercise_warnings.get(spec.id, [])), seconds=reply.seconds)
        if reply.worker_error:
            self.errors.append(f"{submission.student}/{spec.id}: {reply.worker_error}")
            result.status, result.message = "error", f"grader error (not your fault): {reply.worker_error}"
            return result
        observations, rejected = in_cells(reply.observations, submission.made()), reply.rejected
        unready = self.setup_failure(reply, observations.get("__setup__"))
        if unready:
            self.errors.append(f"{submission.student}/{spec.id}: {unready}")
            result.status, result.message = "error", f"grader error (not your fault): {unready}"
            return result
        result.code_seconds = round(sum(observation.seconds for observation in observations.values()), 6)
        if self.options.answers:
            result.answers = answers_digest(observations)
        if rejected:
            result.warnings.append(f"{rejected} line(s) written to the grader's answer pipe answered no request and were ignored")
        load = observations.get("__load__")
        result.output = (load.output if load else reply.stdout)[:OUTPUT_BYTES]
        if load is not None and load.lines is not None:      # a traced run (the reference's copy in grade mutants)
            result.coverage = {name: observation.lines or [] for name, observation in observations.items() if name != "__setup__"}
        if load is None or load.error is not None:
            result.status, result.message = self.failed_load(spec, reply, load)
            result.checks = [CheckResult(name=c.name, status="skipped" if result.status == "error" else "timeout",
                                         score=0.0, max_score=c.points, visibility=c.visibility,
                                         message="not run: " + result.message) for c in spec.checks]
            return result
        if reference is None:
            raise ReferenceFailure(f"no reference result for {spec.id}")
        run = Run(observations)
        verdicts: dict[str, Verdict] = {}
        for check in spec.checks:
            try:
                with judge_time_limit(JUDGE_SECONDS):
                    verdicts[check.name] = self.verdict(spec, check, run, reference, reply)
            except ReferenceFailure:
                raise
            except (Exception, JudgeTimeout) as error:   # noqa: BLE001 - a judge may raise anything
                problem = f"check {check.name!r} could not be judged ({type(error).__name__}: {str(error)[:300]})"
                if self.judges_reference(spec, check, reference, reply):
                    # The judge weighs the reference's own answers fine: what it tripped over is this
                    # student's data (answers no honest code gives). The check fails, and the instructor
                    # hears of the judge that should have said why; a grader error here would be a way out of a zero.
                    self.notices.append(f"{submission.student}/{spec.id}: {problem} on this student's answers only "
                                        "(it judges the reference's): the check failed; make the judge refuse such answers itself")
                    verdicts[check.name] = Verdict("failed", 0.0, f"your answers could not be judged ({type(error).__name__}): "
                                                                  "they are not what the exercise's functions return")
                    continue
                self.errors.append(f"{submission.student}/{spec.id}: {problem}")
                result.status, result.message = "error", f"not graded: grader error (not your fault): {problem}"
                result.checks, result.score = [], 0.0
                return result
        for check in spec.checks:
            verdict = verdicts[check.name]
            missing = [name for name in check.requires if verdicts[name].status != "passed"]
            if missing and verdict.fraction > 0:
                verdict = Verdict.failed(f"not credited: the printed numbers must come from computed values, and "
                                         f"{', '.join(missing)} did not pass")
            result.checks.append(CheckResult(name=check.name, status=verdict.status, score=round(verdict.fraction * check.points, 6),
                                             max_score=check.points, message=verdict.message, visibility=check.visibility,
                                             plot=verdict.plot))
        result.score = round(sum(check.score for check in result.checks), 6)
        return result

    def judges_reference(self, spec: ExerciseSpec, check: CheckSpec, reference: Run, reply: RunReply) -> bool:
        """Does this check's judge take the reference's answers as a student's without raising?"""
        try:
            with judge_time_limit(JUDGE_SECONDS):
                self.verdict(spec, check, reference, reference, reply)
            return True
        except (Exception, JudgeTimeout):  # noqa: BLE001
            return False

    @staticmethod
    def setup_failure(reply: RunReply, setup: Observation | None) -> str | None:
        """Why the sandbox was not ready for student code, if it was not: the child says so itself,
        or ended (timed out, was killed) before it could."""
        if setup is not None:
            return setup.error.message if setup.error is not None else None
        ended = ("it ran out of time" if reply.timed_out else f"it was killed by signal {reply.signal}" if reply.signal
                 else f"it exited with code {reply.exit_code}")
        tail = reply.stderr.strip().splitlines()[-1:] or [""]
        return f"the sandboxed child ended before student code ran: {ended} {tail[0]}".strip()

    def verdict(self, spec: ExerciseSpec, check: CheckSpec, run: Run, reference: Run, reply: RunReply) -> Verdict:
        kind = spec.kinds[check.name]
        if kind.asks and run.get(check.name) is None and reply.timed_out:
            return Verdict("timeout", 0.0, f"the whole run hit its {self.options.timeout or spec.timeout:g} s limit before this check")
        return kind.judge_run(check, self.params[(spec.id, check.name)], run, reference)

    def failed_load(self, spec: ExerciseSpec, reply: RunReply, load: Observation | None) -> tuple[ExerciseStatus, str]:
        what = "importing" if spec.kind == "module" else "running"
        if load is not None and load.error is not None:
            error = load.error
            if error.timeout:
                return "timeout", f"{what} the file took longer than {self.options.timeout or spec.timeout:g} s — an endless loop at the top level?"
            location = where(error)
            hint = ""
            # "Torch not compiled with CUDA enabled" (a CPU build), "Found no NVIDIA driver on your
            # system" (a CUDA build without a driver), "no CUDA GPUs are available": every build says it its way
            if any(word in error.message.lower() for word in ("cuda", "nvidia")) and self.options.device == "cpu":
                hint = (" — this exercise is graded on a machine without a GPU: choose the device with "
                        "device = 'cuda' if torch.cuda.is_available() else 'cpu'")
            return "error", f"{what} the file failed: {error.type}: {error.message}{location}{hint}"
        if reply.timed_out:
            return "timeout", f"{what} the file took longer than {self.options.timeout or spec.timeout:g} s — an endless loop at the top level?"
        if reply.output_exceeded:
            return "error", "the program printed far too much output and was stopped"
        tail = reply.stderr.strip().splitlines()[-1:] or [""]
        if reply.signal:
            return "error", f"the program was killed by signal {reply.signal} (memory limit of {spec.memory_mb} MiB, or a crash) {tail[0]}".strip()
        return "error", f"the program ended (exit code {reply.exit_code}) before it could be graded {tail[0]}".strip()

    # --- the run ------------------------------------------------------------------------------
    def grade(self, target: Path, progress: Progress | None = None) -> ClassReport:
        started = time.monotonic()
        results: dict[int, SubmissionResult] = {}
        # With nothing to reuse, the workers import torch while the submissions are staged and hashed.
        early = self.runner() if self.cache is None or self.cache.empty() else None
        try:
            reference = Submission(student="reference", path=self.reference, root=self.reference)
            find_files(reference, self.every_spec)
            stage(reference, self.scratch / "staged-reference")
            paths = list_submissions(target, self.specs, self.options.mode)
            submissions = self.prepare_all(paths, results)
            if paths == [target] and len(submissions) == 1:     # one submission graded alone: a student sees it
                [only] = submissions.values()
                self.draw_inputs(inputs_seed(self.seed, tree_hash(only.folder()), self.options.secret))
                self.content_keyed = True
            keys = self.cache_keys(reference, submissions)
            to_run = self.reuse(submissions, keys, results)
            if to_run:
                self.run(reference, to_run, keys, results, progress, early)
            if target.resolve() == self.reference.resolve():
                self.reference_disagreements(list(results.values()))
        finally:
            if early is not None:
                early.close()
                self.notices.extend(getattr(early, "problems", []))
            shutil.rmtree(self.scratch, ignore_errors=True)
            if self.cache is not None:
                self.cache.close()
        order = {spec.id: i for i, spec in enumerate(self.specs)}
        for submission in results.values():
            submission.exercises.sort(key=lambda e: order[e.exercise])
            submission.score = round(sum(e.score for e in submission.exercises), 6)
        return ClassReport(
            grader_version=__version__, seed=self.seed, device=self.options.device,
            inputs="seed, content and secret" if self.content_keyed else "seed",
            exercises=[spec.id for spec in self.specs], isolation=self.isolation,
            seconds=round(time.monotonic() - started, 3),
            submissions=[results[i] for i in sorted(results)], errors=self.errors, notices=self.notices,
        )

    def reference_disagreements(self, graded: list[SubmissionResult]) -> None:
        """Graded as a class of its own, the reference must earn every point: each check it loses
        is where the reference and the spec (or the instructor's judges) disagree."""
        by_hand = {(spec.id, check.name) for spec in self.specs for check in spec.checks if check.kind == "manual"}
        for submission in graded:
            for exercise in submission.exercises:
                if exercise.status == "missing":
                    self.errors.append(f"reference: no file for {exercise.exercise} ({exercise.message})")
                    continue
                lost = [check for check in exercise.checks
                        if check.score < check.max_score and (exercise.exercise, check.name) not in by_hand]
                for check in lost:
                    self.errors.append(f"reference loses points on {exercise.exercise}.{check.name} "
                                       f"({check.score:g}/{check.max_score:g}): {check.message[:300]}")
                if exercise.status != "graded" and not lost:
                    self.errors.append(f"reference: {exercise.exercise} was not graded: {exercise.message[:300]}")

    def prepare_all(self, paths: list[Path], results: dict[int, SubmissionResult]) -> dict[int, Submission]:
        """Unpack, find and stage every submission; missing exercises are results already."""
        submissions = {}
        max_score = sum(spec.max_score for spec in self.specs)
        for index, path in enumerate(paths):
            try:
                submission = self.prepare(path, index)
            except SubmissionError as error:
                results[index] = SubmissionResult(student=student_name(path), path=printable(str(path)), score=0.0, max_score=max_score,
                                                  warnings=[str(error)], exercises=[])
                continue
            submissions[index] = submission
            results[index] = SubmissionResult(student=submission.student, path=printable(str(path)), score=0.0,
                                              max_score=max_score, warnings=list(submission.warnings), exercises=[])
            for spec in self.specs:
                if spec.id not in submission.files and (submission.only is None or spec.id in submission.only):
                    results[index].exercises.append(ExerciseResult(
                        exercise=spec.id, status="missing", score=0.0, max_score=spec.max_score,
                        warnings=list(submission.exercise_warnings.get(spec.id, [])),
                        message=f"no {' / '.join(spec.files)} found (nor a notebook named so, nor one with a cell "
                                f"tagged exercise:{spec.id})"))
        return submissions

    def cache_keys(self, reference: Submission, submissions: dict[int, Submission]) -> dict[tuple[int, str], str]:
        """What each result depends on: content, spec and the instructor's files its kinds come from,
        reference, grader version, seed, device, limits."""
        if self.cache is None:
            return {}
        common = (tree_hash(reference.folder()), grader_fingerprint(), self.seed, self.options.device, self.options.timeout)
        keys = {}
        for index, submission in submissions.items():
            content = tree_hash(submission.folder())
            traced = submission.student in self.options.traced
            for spec in self.specs:
                if submission.graded(spec.id):
                    inputs = [self.params[(spec.id, check.name)] for check in spec.checks]   # however they were drawn
                    # [[bugs]] and [[fair]] only tell `grade mutants` what to make and how to read it: no grade changes
                    keys[(index, spec.id)] = cache_key(content, spec.model_dump(exclude={"bugs", "fair"}), spec.code, inputs, *common,
                                                       self.options.answers, traced)
        return keys

    def reuse(self, submissions: dict[int, Submission], keys: dict[tuple[int, str], str],
              results: dict[int, SubmissionResult]) -> list[tuple[int, Submission, ExerciseSpec]]:
        """Take what the cache has; return the (submission, exercise) pairs still to grade."""
        to_run = []
        for index, submission in submissions.items():
            for spec in self.specs:
                if not submission.graded(spec.id):
                    continue
                cached = self.cached(keys.get((index, spec.id)))
                if cached is not None:
                    results[index].exercises.append(cached.model_copy(update={"cached": True}))
                else:
                    to_run.append((index, submission, spec))
        return to_run

    def run(self, reference: Submission, to_run: list[tuple[int, Submission, ExerciseSpec]], keys: dict[tuple[int, str], str],
            results: dict[int, SubmissionResult], progress: Progress | None, runner: Runner | None = None) -> None:
        needed = {spec.id for _, _, spec in to_run}
        with contextlib.ExitStack() as stack:
            if runner is None:
                runner = self.runner()
                stack.callback(lambda: self.notices.extend(getattr(runner, "problems", [])))
                stack.enter_context(runner)
            reference_pending = {p.spec.id: p for p in self.submit(runner, reference, -1, needed)}
            pending = [(index, p) for index, submission, spec in to_run
                       for p in self.submit(runner, submission, index, {spec.id})]
            references, failures = self.reference_runs(reference_pending)
            if failures:
                # A reference that failed beside the students (a hostile one hogging the machine, say)
                # runs again once every student's item is done, alone.
                for _, item in pending:
                    item.future.result()
                retried, failures = self.reference_runs({p.spec.id: p for p in self.submit(runner, reference, -1, set(failures))})
                references.update(retried)
            for failed, detail in failures.items():
                self.errors.append(f"reference {failed} failed to run: {detail}")
            for done, (index, item) in enumerate(pending, 1):
                reply = item.future.result()
                try:
                    exercise = self.judge(item, reply, references.get(item.spec.id))
                except ReferenceFailure as error:
                    self.errors.append(f"{item.spec.id}: {error}")
                    exercise = ExerciseResult(exercise=item.spec.id, status="error", score=0.0,
                                              max_score=item.spec.max_score,
                                              message=f"grader error (not your fault): {error}")
                else:
                    if not reply.worker_error:
                        self.store(keys.get((index, item.spec.id)), exercise)
                results[index].exercises.append(exercise)
                if progress:
                    progress(done, len(pending), f"{item.submission.student}/{item.spec.id}")

    def runner(self) -> Runner:
        if self.options.cluster:
            from grader.cluster import ClusterRunner

            return ClusterRunner(self.options.cluster, gpu=self.options.device == "cuda")
        return LocalRunner(self.options.workers, self.plan)

    # --- the cache: any failure is a notice, and grading goes on without it ------------------------
    def open_cache(self) -> ResultCache | None:
        if self.options.cache is None:
            return None
        try:
            return ResultCache(self.options.cache)
        except CacheUnavailable as error:
            self.notices.append(str(error))
            return None

    def cached(self, entry: str | None) -> ExerciseResult | None:
        if entry is None or self.cache is None:
            return None
        try:
            return self.cache.get(entry)
        except CacheUnavailable as error:
            self.notices.append(str(error))
            self.cache = None
            return None

    def store(self, entry: str | None, result: ExerciseResult) -> None:
        if entry is None or self.cache is None:
            return
        try:
            self.cache.put(entry, result)
        except CacheUnavailable as error:
            self.notices.append(str(error))
            self.cache = None

    def reference_runs(self, pending: dict[str, Pending]) -> tuple[dict[str, Run], dict[str, str]]:
        """The reference's runs, and why each one that failed did."""
        runs, failures = {}, {}
        for exercise, item in pending.items():
            reply = item.future.result()
            observations = reply.observations
            load = observations.get("__load__")
            if reply.worker_error or load is None or load.error is not None:
                failures[exercise] = (reply.worker_error or self.setup_failure(reply, observations.get("__setup__"))
                                      or (load.error.message if load and load.error else reply.stderr[-500:]))
                continue
            broken = [check.name for check in item.spec.checks if item.spec.kinds[check.name].asks
                      and (check.name not in observations or observations[check.name].error is not None)]
            if broken:
                first = observations.get(broken[0])
                failures[exercise] = (f"check {broken[0]!r}: " + (first.error.message if first and first.error
                                                                   else "no answer (the run ended before it)"))
                continue
            runs[exercise] = Run(observations)
        return runs, failures


def answers_digest(observations: dict[str, Observation]) -> str:
    """One hash of everything the code answered: each observation's value, error and output, not its timing."""
    answered = {name: observation.model_dump(exclude={"seconds", "lines"}) for name, observation in observations.items()
                if name != "__setup__"}
    return hashlib.sha256(json.dumps(answered, sort_keys=True, default=str).encode()).hexdigest()


def isolation(plan: Plan, mechanisms: dict[str, Mechanism], specs: list[ExerciseSpec]) -> Isolation:
    memory = sorted({spec.memory_mb for spec in specs})
    return Isolation(
        level=level(plan), uid=plan.drop_to_uid if plan.drop_to_uid is not None else os.geteuid(),
        mechanisms=mechanisms,
        limits={"address_space_mib": ",".join(map(str, memory)), "file_size_mib": "64", "open_files": "256",
                "core_dumps": "0", "output_kept_kib": str(OUTPUT_BYTES // 1024),
                "processes": str(PROCESS_LIMIT) if plan.drop_to_uid is not None else "unlimited (root or own uid)"},
    )
