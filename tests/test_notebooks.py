"""Jupyter and Colab notebooks grade like the same code in a .py: the reference as notebooks
earns full marks, a bug costs the same points in a notebook as in a .py, and feedback points at
the notebook's cell."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, by_student, grade, reference_source, write

from grader.notebooks import PRELUDE, Cell, Notebook, program, python_of
from grader.starter import as_notebook
from grader.submissions import Submission, find_files


def notebook(cells: list[tuple[str, str] | tuple[str, str, list[str]]], colab: bool = False) -> str:
    """A notebook of (kind, source[, tags]) cells, written as Jupyter (or Colab) writes one."""
    made = []
    for kind, source, *tags in cells:
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        if tags:
            cell.metadata["tags"] = tags[0]
        if colab and kind == "code":
            cell.metadata["id"] = f"c{len(made)}"
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="9.216\nfull marks please\n")]
            cell.execution_count = len(made)
        made.append(cell)
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    if colab:
        metadata |= {"colab": {"provenance": [], "gpuType": "T4"}, "accelerator": "GPU"}
    return nbformat.writes(nbformat.v4.new_notebook(cells=made, metadata=metadata))


def cells_of(text: str) -> list[tuple[str, str, list[str]]]:
    return [(cell.cell_type, cell.source, list(cell.metadata.get("tags", [])))
            for cell in nbformat.reads(text, as_version=4).cells]


@pytest.fixture(scope="module")
def reference_notebooks(specs, tmp_path_factory):
    """The reference as notebooks, graded as a class: one notebook per exercise, and one
    notebook holding every exercise (a section per exercise, tagged exercise:ID)."""
    root = tmp_path_factory.mktemp("notebooks")
    course = []
    for spec in specs:
        text = as_notebook(reference_source(spec.files[0]), spec)
        write(root / "each", {f"{spec.id}.ipynb": text})
        heading, *code = cells_of(text)
        # In one notebook net1 uses net's classes from the cells above, as it would in Jupyter: no %run
        code = [(kind, "\n".join(line for line in source.split("\n") if not line.startswith("%run ")), tags)
                for kind, source, tags in code]
        course += [("markdown", heading[1], [f"exercise:{spec.id}"]), *code]
    write(root / "together", {"course.ipynb": notebook([("code", "%matplotlib inline\nimport math"), *course])})
    return grade(root, specs)


def test_the_reference_as_notebooks_earns_full_marks(reference_notebooks, specs):
    results = by_student(reference_notebooks)
    assert set(results) == {"each", "together"}
    for student, exercises in results.items():
        for spec in specs:
            result = exercises[spec.id]
            assert result.score == spec.max_score, (student, spec.id, result.message, [c.message for c in result.checks])
    assert results["each"]["net1"].file == "net1.ipynb"
    assert results["together"]["net1"].file == "course.ipynb"
    assert any("'%matplotlib inline' is an IPython magic" in w for w in results["together"]["gd"].warnings)


NET_BUG = ("        x.g += self.gfx(x.v, y.v) * o.g", "        x.g = self.gfx(x.v, y.v) * o.g")


@pytest.fixture(scope="module")
def buggy(specs, tmp_path_factory):
    """The same bugs in a .py and in notebooks (Jupyter's and Colab's), graded in one class."""
    root = tmp_path_factory.mktemp("buggy")
    net = reference_source("net.py")
    assert NET_BUG[0] in net
    net = net.replace(*NET_BUG)                   # gradients overwritten, not accumulated
    gd = reference_source("gd.py").replace("return (f(p1) - f(p)) / step", "return (f(p1) - f(p)) / step / 0")
    assert "/ 0" in gd
    net1 = reference_source("net1.py")
    write(root / "as_py", {"net.py": net, "net1.py": net1, "gd.py": gd})
    net_cells = cells_of(as_notebook(net, next(s for s in specs if s.id == "net")))[1:]
    gd_cells = cells_of(as_notebook(gd, next(s for s in specs if s.id == "gd")))[1:]
    write(root / "jupyter", {"hw/homework.ipynb": notebook([
        ("code", "!pip install torch\nimport numpy as np"),
        ("markdown", "## Part 1", ["exercise:net"]), *net_cells,
        ("code", "from google.colab import drive\ndrive.mount('/content/drive')", ["skip"]),
        ("markdown", "## Part 2", ["exercise:net1"]), ("code", net1),
        ("markdown", "## Part 3", ["exercise:gd"]), *gd_cells,
        ("code", "%%bash\necho hello"),
    ])})
    write(root / "colab", {"net.ipynb": notebook([("code", net)], colab=True),
                           "net1.ipynb": notebook([("code", net1)], colab=True),
                           "gd1.ipynb": notebook([("code", gd)], colab=True)})
    return grade(root, specs, exercises=["net", "net1", "gd"]), root


def test_a_bug_costs_the_same_points_in_a_notebook_as_in_a_py(buggy):
    results = by_student(buggy[0])
    for exercise in ("net", "net1", "gd"):
        expected = {c.name: c.score for c in results["as_py"][exercise].checks}
        assert sum(expected.values()) < results["as_py"][exercise].max_score or exercise == "net1", exercise
        for student in ("jupyter", "colab"):
            assert {c.name: c.score for c in results[student][exercise].checks} == expected, (student, exercise)


def test_feedback_points_at_the_notebooks_cell(buggy):
    report, root = buggy
    results = by_student(report)
    on_py = " ".join(c.message for c in results["as_py"]["gd"].checks)
    line = reference_source("gd.py").split("\n").index("    return (f(p1) - f(p)) / step") + 1
    assert f"(gd.py, line {line}: return (f(p1) - f(p)) / step / 0)" in on_py
    on_notebook = " ".join(c.message for c in results["jupyter"]["gd"].checks)
    cells = cells_of((root / "jupyter" / "hw" / "homework.ipynb").read_text(encoding="utf-8"))
    df_cell = next(number for number, cell in enumerate(cells, start=1) if cell[1].startswith("def df("))
    assert f"(hw/homework.ipynb, cell {df_cell}, line 5: return (f(p1) - f(p)) / step / 0)" in on_notebook
    assert "gd.py" not in on_notebook
    assert results["jupyter"]["gd"].file == "hw/homework.ipynb"
    assert results["colab"]["gd"].file == "gd1.ipynb"
    warnings = " ".join(results["jupyter"]["net"].warnings)
    assert "cell 1, line 1: '!pip install torch' is a shell command" in warnings
    assert "is a '%%bash' cell, not Python: it was left out" in " ".join(results["jupyter"]["gd"].warnings)
    assert not any("google.colab" in w for w in results["jupyter"]["net"].warnings)    # tagged skip: left out


def _spec(exercise):
    from grader.exercises import load_specs

    return next(s for s in load_specs(ROOT / "assignments") if s.id == exercise)


def test_a_syntax_error_in_a_cell_is_reported_in_that_cell(specs, tmp_path):
    write(tmp_path / "s", {"net1.ipynb": notebook([("markdown", "# net1"), ("code", "from net import Net"),
                                                    ("code", "net = Net()\nx = net.variable(1\ny = 2")]),
                           "net.py": reference_source("net.py")})
    result = by_student(grade(tmp_path, specs, exercises=["net1"]))["s"]["net1"]
    assert result.status == "error"
    assert "net1.ipynb, cell 3, line 2" in result.message, result.message


def test_which_cells_make_an_exercise():
    net1 = _spec("net1")
    book = Notebook(path=Path("hw.ipynb"), cells=[
        Cell(1, "code", "import math", []),
        Cell(2, "markdown", "# net", ["exercise:net"]),
        Cell(3, "code", "class Net: pass", []),
        Cell(4, "code", "plot()", ["skip"]),
        Cell(5, "markdown", "# gd", ["exercise:gd"]),
        Cell(6, "code", "def df(): pass", []),
        Cell(7, "code", "n = Net()", ["Exercise:NET1"]),
        Cell(8, "code", "%matplotlib inline\nshow(n)", ["Skip"]),
    ])
    made = program(book, net1, {"net"}, {"net", "net1", "gd"})
    # net's section is net.py's (made beside this one): imported, as net1.py imports net.py
    assert made.student_text() == "import math\n\nfrom net import *  # the cells of net, made into net.py beside this\nn = Net()\n\n"
    assert made.text == PRELUDE + "\n" + made.student_text()
    assert made.locate(5) == (7, 1) and made.locate(4) == (2, 1) and made.locate(1) is None
    assert made.locate(3) == (1, 1) and made.locate(99) == (7, 1)      # between cells, past the end: the line before


@pytest.mark.parametrize("source, kept, warned", [
    pytest.param("x = 1 != 2\n", "x = 1 != 2\n", [], id="valid-python-untouched"),
    pytest.param("%matplotlib inline\nx = 1", "pass\nx = 1", ["cell 1, line 1: '%matplotlib inline' is an IPython magic"], id="magic"),
    pytest.param("if True:\n    !pip install x\ny = 2", "if True:\n    pass\ny = 2", ["is a shell command"], id="indented-shell"),
    pytest.param("files = !ls\nn = 1", "pass\nn = 1", ["'files = !ls' is a shell command"], id="assigned-shell"),
    pytest.param("%%time\nx = sum(range(9))", "\nx = sum(range(9))", [], id="time-cell-kept"),
    pytest.param("%%writefile a.py\nprint(1)", None, ["is a '%%writefile' cell, not Python"], id="other-language-cell"),
    pytest.param("torch.zeros?\ny = 1", "pass\ny = 1", ["is an IPython magic"], id="help"),
    pytest.param('%matplotlib inline\ns = """\n%d apples\n!important\n"""\ny = (3\n  % 2)',
                 'pass\ns = """\n%d apples\n!important\n"""\ny = (3\n  % 2)', ["'%matplotlib inline' is an IPython magic"],
                 id="inside-strings-and-brackets-untouched"),
    pytest.param("from google.colab import drive\ndrive.mount('/content/drive')\nx = 1",
                 "pass\npass\nx = 1", ["2 line(s) for Colab alone"], id="colab-lines"),
    pytest.param("%run net.ipynb\nn = Net()", "from net import *\nn = Net()", [], id="run-a-notebook"),
])
def test_magics_and_shell_lines_are_left_out(source, kept, warned):
    text, notes = python_of(Cell(1, "code", source, []), {"net", "gd"})
    assert text == kept
    assert len(notes) == len(warned) and all(w in n for w, n in zip(warned, notes))


def test_a_py_beside_a_notebook_wins_and_a_broken_notebook_is_named(specs, tmp_path):
    write(tmp_path, {"gd.py": "x = 1\n", "gd.ipynb": notebook([("code", "y = 2")]),
                     "net.ipynb": "{not json", "deep/net1.ipynb": notebook([("code", "z = 3")])})
    submission = Submission(student="s", path=tmp_path, root=tmp_path)
    find_files(submission, specs)
    assert str(submission.files["gd"]) == "gd.py" and "gd" not in submission.programs
    assert "graded gd.py, ignored gd.ipynb" in submission.exercise_warnings["gd"][0]
    assert any(w.startswith("net.ipynb is not valid JSON") and "File > Download > .ipynb" in w for w in submission.warnings)
    assert submission.shown("net1") == "deep/net1.ipynb" and str(submission.files["net1"]) == "deep/net1.py"


def test_starter_notebooks_open_in_jupyter_and_grade_to_zero_with_cells_named(specs, tmp_path):
    done = subprocess.run([sys.executable, "-m", "grader", "starter", str(tmp_path / "start"), "--notebook",
                           "--exercise", "net", "--exercise", "torchGd3"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "start").iterdir()) == ["net.ipynb", "torchGd3.ipynb"]
    book = nbformat.read(tmp_path / "start" / "net.ipynb", as_version=4)
    nbformat.validate(book)
    assert book.cells[0].cell_type == "markdown" and "keep this notebook's name (net.ipynb)" in book.cells[0].source
    assert [c.source.split("\n")[0] for c in book.cells[2:5]] == ["class Node:", "class Gate:", "class Net:"]
    report = json.loads(subprocess.run(
        [sys.executable, "-m", "grader", str(tmp_path / "start"), "--quiet", "--no-cache", "--json", "/dev/stdout",
         "--exercise", "torchGd3"], capture_output=True, text=True).stdout)
    [result] = report["submissions"][0]["exercises"]
    assert result["score"] == 0 and result["file"] == "torchGd3.ipynb"
    assert "NotImplementedError: write the script of torchGd3.py (torchGd3.ipynb, cell" in result["message"]


def test_a_notebook_whose_program_name_is_taken_is_not_graded_for_it(specs, tmp_path):
    (tmp_path / "s" / "net.py").mkdir(parents=True)          # a folder where the program would go
    write(tmp_path / "s", {"net.ipynb": notebook([("code", reference_source("net.py"))]),
                           "gd.ipynb": notebook([("code", reference_source("gd.py"))])})
    results = by_student(grade(tmp_path, specs, exercises=["net", "gd"]))["s"]
    assert results["net"].status == "missing"
    assert results["net"].warnings == ["net.ipynb holds net, but net.py is already there: the notebook was not graded for it"]
    assert results["gd"].score == results["gd"].max_score


# --- what an attacking or unlucky notebook must not do to the run ------------------------------------------------


def test_lone_surrogates_and_odd_magics_neither_crash_the_run_nor_lose_the_json(specs, tmp_path):
    """JSON may hold "\\ud800", which no UTF-8 file can: the program is written with U+FFFD."""
    gd = reference_source("gd.py")
    write(tmp_path / "class", {"honest/gd.py": gd,
                               "mallory/gd.ipynb": json.dumps(json.loads(  # ASCII JSON: "\\udcff" as an escape
                                   notebook([("code", "%%t\udcff\nx = 1"), ("code", gd + "\ns = '\ud800'\n")])))})
    report = grade(tmp_path / "class", specs, exercises=["gd"])
    results = by_student(report)
    assert results["honest"]["gd"].score == results["mallory"]["gd"].score == results["honest"]["gd"].max_score
    warning = results["mallory"]["gd"].warnings[0]
    assert warning.startswith("cell 1 is a '%%t\ufffd") and warning.endswith("' cell, not Python: it was left out")
    report.model_dump_json()


def test_hostile_cells_cost_linear_time_bounded_memory_and_few_warnings():
    import time
    import tracemalloc

    started = time.monotonic()
    spaces, _ = python_of(Cell(1, "code", " " * 200_000 + "x y", []))            # a line that does not compile
    blanks, _ = python_of(Cell(2, "code", "\n" * 200_000 + "import math", []))    # valid, once searched quadratically
    assert time.monotonic() - started < 10        # quadratic patterns took minutes here
    assert spaces == " " * 200_000 + "x y" and blanks.endswith("import math")
    tracemalloc.start()
    made, _ = python_of(Cell(3, "code", "a;" * 1_000_000, []))    # compiling 2 MB here once took 1.3 GB
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert made is not None and peak < 100 * 2**20
    text, notes = python_of(Cell(4, "code", "%a\n" * 10_000 + "x = (", []))
    assert len(notes) == 4 and notes[-1] == "cell 4: 9997 more lines that are not Python were left out"
    assert text.count("pass") == 10_000


def test_honest_notebook_habits_grade_as_in_jupyter(specs, tmp_path):
    """A tag in another case, a __future__ import in a later cell, display(), an error at a cell's end."""
    gd = reference_source("gd.py")
    write(tmp_path / "class", {
        "case/gd.ipynb": notebook([("markdown", "# GD", ["exercise:GD"]), ("code", gd)]),
        "future/gd.ipynb": notebook([("code", "import math"), ("code", "from __future__ import annotations\n" + gd)]),
        "display/gd.ipynb": notebook([("code", gd + "\ndisplay(df)")]),
        "unknown/gd.ipynb": notebook([("code", gd), ("markdown", "# bonus", ["exercise:1"]), ("code", "raise SystemExit")]),
        "eof/gd.ipynb": notebook([("code", gd), ("code", "x = (1 +")]),
    })
    results = by_student(grade(tmp_path / "class", specs, exercises=["gd"]))
    for student in ("case", "future", "display", "unknown"):
        assert results[student]["gd"].score == results[student]["gd"].max_score, (student, results[student]["gd"])
    assert any("cell 2 is tagged 'exercise:1', which names no exercise" in w for w in results["unknown"]["gd"].warnings)
    assert "gd.ipynb, cell 2, line 1" in results["eof"]["gd"].message, results["eof"]["gd"].message
    assert "gd.py" not in results["eof"]["gd"].message


def test_encrypted_zips_and_names_that_are_not_utf8_are_reported_and_the_class_goes_on(specs, tmp_path):
    import os
    import struct
    import zipfile

    from grader.similarity import of_class

    klass = tmp_path / "class"
    write(klass, {"honest/gd.py": reference_source("gd.py"), "x/gd.py": reference_source("gd.py"),
                  "x [2]/gd.py": reference_source("gd.py")})
    locked = klass / "locked.zip"
    with zipfile.ZipFile(locked, "w") as archive:
        archive.writestr("gd.py", reference_source("gd.py"))
    data = bytearray(locked.read_bytes())
    data[6:8] = struct.pack("<H", 1)                                     # the "encrypted" flag, as a password sets it
    central = data.rfind(b"PK\x01\x02")
    data[central + 8:central + 10] = struct.pack("<H", 1)
    locked.write_bytes(data)
    with zipfile.ZipFile(klass / "x.zip", "w") as archive:             # a second "x"
        archive.writestr("gd.py", reference_source("gd.py"))
    odd = os.fsencode(klass / "odd") + b"/sub\xff"
    os.makedirs(odd)
    with open(odd + b"/gd.py", "w", encoding="utf-8") as file:
        file.write(reference_source("gd.py"))
    report = grade(klass, specs, exercises=["gd"])
    results = {s.student: s for s in report.submissions}
    assert "encrypted" in results["locked"].warnings[0] and "without a password" in results["locked"].warnings[0]
    assert results["honest"].score == results["honest"].max_score
    assert results["odd"].exercises[0].status == "missing"
    assert any("sub\ufffd/gd.py: its name is not UTF-8 text" in w for w in results["odd"].warnings)
    report.model_dump_json()
    found, texts = of_class(klass, [s for s in specs if s.id == "gd"], ROOT / "reference", None, "class")
    assert sorted(texts.students["gd"]) == ["honest", "x", "x [2]", "x [3]"]


def test_a_megabyte_line_of_code_is_cut_in_every_message(specs, tmp_path):
    """The source line an error names comes from the student (4 MB of `a;a;…` once made every
    check's message 4 MB, the JSON report 20 MB): it is cut on the trusted side."""
    from grader.wire import MAX_CODE, ErrorInfo

    assert len(ErrorInfo(type="NameError", message="m" * 10**6, code="a;" * 10**6).code or "") == MAX_CODE + 2
    write(tmp_path / "class", {"s/gd.ipynb": notebook([("code", "a;" * 500_000), ("code", reference_source("gd.py"))])})
    result = by_student(grade(tmp_path / "class", specs, exercises=["gd"]))["s"]["gd"]
    assert "NameError" in result.message and "gd.ipynb, cell 1, line 1" in result.message
    assert len(result.message) < 1000 and all(len(check.message) < 1000 for check in result.checks)


def test_notebooks_as_students_write_them_in_jupyter_and_colab(specs, tmp_path):
    """One homework notebook whose net1 section uses net's classes from the cells above (no import:
    it runs in Jupyter), with a tag in capitals; a Colab download that mounts Drive; and, beside
    the class, a teacher's notebook that must not make the class folder one submission."""
    net, net1, gd = reference_source("net.py"), reference_source("net1.py"), reference_source("gd.py")
    write(tmp_path / "class", {
        "grading_notes.ipynb": notebook([("markdown", "# what to look for")]),
        "ana/homework.ipynb": notebook([("code", "import math"), ("markdown", "## net", ["exercise:NET"]), ("code", net),
                                        ("markdown", "## net1", ["exercise:net1"]),
                                        ("code", net1.replace("from net import Net\n", ""))]),
        "ben/gd.ipynb": notebook([("code", "from google.colab import drive\ndrive.mount('/content/drive')"), ("code", gd)],
                                 colab=True),
    })
    report = grade(tmp_path / "class", specs, exercises=["net1", "gd"])      # net1 alone: net's section still found
    results = by_student(report)
    assert set(results) == {"ana", "ben"}
    assert results["ana"]["net1"].score == results["ana"]["net1"].max_score, results["ana"]["net1"]
    assert results["ben"]["gd"].score == results["ben"]["gd"].max_score, results["ben"]["gd"]
    assert any("line(s) for Colab alone" in w for w in results["ben"]["gd"].warnings)
