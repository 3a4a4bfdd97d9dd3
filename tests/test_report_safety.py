"""Student text in every report is inert, students get a file each, and judging survives hostile
plain data. Reports are built directly, no grading run: the text is what a red team sent."""
import base64
import io
import json
import math
import re
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console

from grader.compare import Difference, Tolerance, compare, fmt, numbers
from grader.fences import Isolation
from grader.outputs import classroom, feedback, gradescope, html, junit
from grader.outputs.filenames import file_stems
from grader.report import CheckResult, ClassReport, ExerciseResult, SubmissionResult
from grader.safe_text import clean

FAKE_TABLE = "\x1b[2J\x1b[H" + "Scores (seed 1)\n student  net  total\n mallory  70/70  70/70\n\n**Score: 70 / 70**\n# Done\n"
HOSTILE = (FAKE_TABLE + "\x1b]0;owned\x07\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
           + "\x1b[8mhidden\x1b[0m \x1b(0lqk\x1b(B \x9b2J \u202egnp.exe\u202c \x00\x07\x08\x0b\x0c\x7f\x85 "
           + "[bold red]markup[/] :smile: <script>alert(1)</script> | 梯度² ‖x‖ a\rb\ud800")
# What no report may hold: escapes, C0 but tab and newline, DEL, C1, bidi overrides and isolates.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def submission(student: str, score: float, text: str = "") -> SubmissionResult:
    checks = [CheckResult(name="forward", status="passed", score=40, max_score=40),
              CheckResult(name=f"backward{text}", status="failed", score=score - 40, max_score=30, message=text or "off"),
              CheckResult(name="speed", status="skipped", score=0, max_score=0, message=text)]
    exercise = ExerciseResult(exercise="net", status="graded", score=score, max_score=70, file=f"net{text}.py",
                              warnings=[text] if text else [], output=text, checks=checks)
    broken = ExerciseResult(exercise="net1", status="error", score=0, max_score=0, message=text)
    return SubmissionResult(student=student, path=f"/class/{student}", score=score, max_score=70,
                            warnings=[text] if text else [], exercises=[exercise, broken])


def report(*submissions: SubmissionResult) -> ClassReport:
    isolation = Isolation(level="process", uid=1000, mechanisms={}, limits={})
    return ClassReport(grader_version="test", seed=1, device="cpu", exercises=["net", "net1"], isolation=isolation,
                       submissions=list(submissions), errors=[f"grader error {HOSTILE}"], notices=[HOSTILE])


def rendered(renderable) -> str:
    sink = io.StringIO()
    Console(width=100, file=sink, force_terminal=True).print(renderable)
    return sink.getvalue()


@pytest.mark.parametrize("text, expected", [
    pytest.param("a\x1b[2J\x1b[Hb", "ab", id="csi"),
    pytest.param("a\x1b]0;title\x07b\x1b]8;;http://x\x1b\\c", "abc", id="osc-bel-and-st"),
    pytest.param("a\x1b(0b\x1bc\x1b", "ab", id="other-escapes"),
    pytest.param("a\x9b2Jb\x85c", "abc", id="c1"),
    pytest.param("progress 10%\rprogress 99%\r\n", "progress 10%\nprogress 99%\n", id="carriage-return"),
    pytest.param("\u202eexe.txt\u202c \u2066x\u2069\u200b\ufeff\U000e0041", "exe.txt x", id="bidi-and-invisible"),
    pytest.param("# 梯度 ∂f/∂x² ‖x‖ é\tend\n", "# 梯度 ∂f/∂x² ‖x‖ é\tend\n", id="ordinary-unicode"),
    pytest.param("\x00\x07\x08\x0b\x0c\x7f\ud800", "\ufffd", id="c0-del-surrogate"),
])
def test_clean(text, expected):
    assert clean(text) == expected


def test_terminal_shows_the_real_score_and_student_text_inert():
    out = rendered(report(submission("[bold]mallory[/]\x1b[2J", 61, HOSTILE), submission("ann", 70)))
    assert "\x1b[2J" not in out and "\x1b]" not in out and "\x1b(" not in out
    assert set(re.findall(r"\x1b.", out)) == {"\x1b["}                   # rich's own colours only
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert not CONTROL.search(plain.replace("\x1b", ""))
    assert "61/70" in plain and "[bold]mallory[/]: 61 / 70" in plain and "[bold red]markup[/]" in plain
    assert ":smile:" in plain and "hidden" in plain and "梯度² ‖x‖" in plain
    fake = [line for line in plain.splitlines() if "mallory  70/70" in line]
    assert fake and all(line.startswith("    ") for line in fake)     # under its check, never a row
    table = plain[:plain.index("mallory[/]: 61")]
    assert "70/70" in table and "61/70" in table and table.count("mallory") == 1


def strings(data) -> list[str]:
    if isinstance(data, dict):
        return [*strings(list(data)), *strings(list(data.values()))]
    if isinstance(data, list):
        return [text for item in data for text in strings(item)]
    return [data] if isinstance(data, str) else []


def test_files_hold_no_control_characters(tmp_path):
    both = report(submission("mal\x1b[31mlory\u202e", 61, HOSTILE), submission("ann", 70))
    written = feedback.write(both, tmp_path / "feedback") + [html.write(both, tmp_path / "site")]
    written += sorted((tmp_path / "site" / "students").iterdir())
    junit.write(both, tmp_path / "junit.xml")
    classroom.write(both, {"GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_OUTPUT": str(tmp_path / "out")})
    for path in [*written, tmp_path / "junit.xml", tmp_path / "summary.md"]:
        text = path.read_text(encoding="utf-8")
        assert not CONTROL.search(text), path.name
        assert "梯度² ‖x‖" in text or path.name in ("ann.md", "ann.html", "index.html", "summary.md"), path.name
        assert "<script>alert" not in text or path.suffix == ".md", path.name
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert [suite.get("name") for suite in root] == ["mallory", "ann"]
    assert "mallory  70/70" in root.find("testsuite/testcase/failure").text
    gradescope.write(report(submission("mallory", 61, HOSTILE)), tmp_path / "results.json")
    runner = base64.b64decode((tmp_path / "out").read_text().partition("=")[2])
    for data in (json.loads((tmp_path / "results.json").read_text()), json.loads(runner)):
        texts = strings(data)
        assert any("梯度² ‖x‖" in text for text in texts) and not any(CONTROL.search(text) for text in texts)


def test_feedback_keeps_student_text_on_its_line():
    mallory = feedback.markdown(submission("mallory\n# ann: 70 / 70", 61, HOSTILE), seed=1)
    assert re.findall(r"^\*\*Score: .*", mallory, re.MULTILINE) == ["**Score: 61 / 70** (grader seed 1)"]
    assert re.findall(r"^# .*", mallory, re.MULTILINE) == ["# Feedback for mallory # ann: 70 / 70"]
    table = mallory.split("| check |")[1].split("\n\n")[0].splitlines()
    assert len(table) == 5 and all(line.startswith("|") and line.count(" | ") == 2 for line in table[2:])


NAMES = ["alice", "alice.", "Alice", "ALICE ", "..", ".", ".git", "a b", "a_b", "张伟", "李娜", "x\x1b[2Jy", "con",
         "-rf", "alice-2", "a/b", ""]


def test_every_student_gets_a_distinct_safe_stem():
    stems = file_stems(report(*[submission(name, 40 + i) for i, name in enumerate(NAMES)]))
    assert len({stem.casefold() for stem in stems}) == len(NAMES)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}", stem) for stem in stems), stems
    assert stems[NAMES.index("con")] == "con_" and stems[NAMES.index("a b")].startswith("a_b-")
    assert stems[NAMES.index("alice-2")] == "alice-2" and stems[NAMES.index("x\x1b[2Jy")] == "x_2Jy"
    again = file_stems(report(*[submission(name, 40) for name in NAMES]))
    assert again == stems                                            # the same names, the same files


def test_alice_and_alice_dot_each_get_their_own_feedback_and_page(tmp_path):
    both = report(submission("alice", 61), submission("alice.", 42))
    first, second = feedback.write(both, tmp_path / "feedback")
    assert first != second and len(list((tmp_path / "feedback").iterdir())) == 2
    assert "Feedback for alice\n" in first.read_text() and "**Score: 61 / 70**" in first.read_text()
    assert "Feedback for alice.\n" in second.read_text() and "**Score: 42 / 70**" in second.read_text()
    index = html.write(both, tmp_path / "site").read_text()
    links = re.findall(r"<a href='(students/[^']+)'>([^<]+)</a>", index)
    assert [name for _, name in links] == ["alice", "alice."] and len({link for link, _ in links}) == 2
    for (link, name), score in zip(links, (61, 42)):
        page = (tmp_path / "site" / link).read_text()
        assert f"<h1>{name}: {score} / 70</h1>" in page


HUGE = 10**400
HOSTILE_VALUES = [
    pytest.param([HUGE], id="huge-int"),
    pytest.param(-HUGE, id="huge-negative-int"),
    pytest.param(10**5000, id="int-beyond-str"),
    pytest.param([[1.0], [10**5000, 2.0]], id="ragged-with-huge"),
    pytest.param(True, id="bool"),
    pytest.param([True], id="list-of-bool"),
    pytest.param(math.nan, id="nan"),
    pytest.param([math.inf], id="inf"),
    pytest.param("1.0", id="string"),
    pytest.param({"tensor": 1}, id="tensor-not-a-dict"),
    pytest.param({"tensor": {"values": [1.0]}}, id="tensor-without-shape"),
    pytest.param({"tensor": {"shape": [1]}}, id="tensor-without-values"),
    pytest.param({"tensor": {"values": ["1"], "shape": [1]}}, id="tensor-string-values"),
    pytest.param({"tensor": {"values": [[1.0]], "shape": [1]}}, id="tensor-nested-values"),
    pytest.param({"tensor": {"values": [1.0, 2.0], "shape": [1]}}, id="tensor-shape-disagrees"),
    pytest.param({"tensor": {"values": [], "shape": [0, 10**5000]}}, id="tensor-huge-dimension"),
    pytest.param({"tensor": {"values": [1.0], "shape": [True]}}, id="tensor-bool-dimension"),
    pytest.param({"tensor": {"values": [1.0], "shape": [1], "dtype": [HUGE]}}, id="tensor-dtype-not-a-string"),
    pytest.param({"tensor": {"values": [HUGE], "shape": [1]}}, id="tensor-huge-value"),
    pytest.param({"not": "a tensor"}, id="dict"),
    pytest.param(None, id="none"),
]


def nested(depth: int) -> list:
    value: list = [1.0]
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("got", [*HOSTILE_VALUES, pytest.param(nested(100_000), id="deeply-nested")])
@pytest.mark.parametrize("expected", [[1.0], {"tensor": {"values": [1.0], "shape": [1], "dtype": "float64"}}, "one"])
def test_compare_explains_hostile_values_without_raising(got, expected):
    difference = compare("x", got, expected, Tolerance())
    assert isinstance(difference, Difference) and "x: " in difference.message and len(difference.message) < 400
    numbers(got)
    fmt(got)


@pytest.mark.parametrize("value", [*HOSTILE_VALUES, pytest.param(nested(100_000), id="deeply-nested")])
def test_numbers_is_none_for_malformed_and_inf_for_huge(value):
    found = numbers(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        assert found is not None and not math.isfinite(found[0][0])
    elif found is not None:
        assert found[1] == [1] and not all(math.isfinite(v) for v in found[0])   # only the [±inf] values pass


def test_huge_int_fails_with_a_clear_message():
    difference = compare("x", [HUGE], [1.0], Tolerance())
    assert difference.message == "x: got inf with NaN or infinity, expected 1"
    assert compare("x", [1.0], [HUGE], Tolerance()) is not None          # infinity never passes, either side
    assert fmt([HUGE, -HUGE, "a"]) == "[inf, -inf, 'a']" and fmt(10**5000) == "an int of 16610 bits"


def _wide_report():
    from grader.report import ClassReport, ExerciseResult, SubmissionResult

    exercises = ["autograd0", "autograd1", "autograd2", "autograd2a", "gd", "net", "net1", "net2", "regression1train",
                 "regression2predict", "torchGd1", "torchGd2", "torchGd3"]
    students = []
    for index, student in enumerate(["alice", "bob", "carol", "dave", "erin", "frank", "grace"]):
        results = [ExerciseResult(exercise=e, status="graded", score=float((i + index) % 4), max_score=4.0)
                   for i, e in enumerate(exercises)]
        students.append(SubmissionResult(student=student, path=student, score=sum(r.score for r in results),
                                         max_score=52.0, exercises=results))
    return ClassReport(grader_version="t", seed=1, device="cpu", exercises=exercises, submissions=students,
                       isolation=Isolation(level="process", uid=0, mechanisms={}, limits={}))


@pytest.mark.parametrize("width", [80, 200])
def test_the_class_table_fits_the_terminal(width):
    report = _wide_report()
    out = io.StringIO()
    Console(width=width, file=out, force_terminal=False).print(report.table(width))
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= width
    assert "…" not in text                       # no column squeezed to nothing
    if width == 200:
        assert all(exercise in text for exercise in report.exercises) and "regression2predict" in text
    else:
        assert "lost most" in text and "--wide" in text
        assert "bob" in text and "grace" in text
    assert report.full_width() > 80
