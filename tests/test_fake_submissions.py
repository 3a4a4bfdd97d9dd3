"""Each check kind against fake submissions: correct variants earn full marks, bugs are named,
hostile code costs no one else a point. The fake class is written into a temporary folder once
and graded in one run (worker start-up dominates a run)."""
import zipfile

import pytest
from conftest import by_student, grade, reference_source, tree_digest, write

REF_GD = reference_source("gd.py")
REF_NET = reference_source("net.py")
REF_TORCHGD1 = reference_source("torchGd1.py")

STUDENTS = {
    "correct": {"gd.py": REF_GD, "net.py": REF_NET, "net1.py": reference_source("net1.py"),
                "torchGd1.py": REF_TORCHGD1, "torchGd3.py": reference_source("torchGd3.py")},
    "central-differences": {"gd.py": REF_GD.replace(
        "    p1 = np.array(p, dtype=float)   # a copy: moving p itself would change the caller's point\n"
        "    p1[k] = p[k] + step\n    return (f(p1) - f(p)) / step",
        "    up, down = np.array(p, dtype=float), np.array(p, dtype=float)\n"
        "    up[k] += step\n    down[k] -= step\n    return (f(up) - f(down)) / (2 * step)")},
    "no-divide": {"gd.py": REF_GD.replace("return (f(p1) - f(p)) / step", "return f(p1) - f(p)")},
    "nan": {"gd.py": REF_GD.replace("return (f(p1) - f(p)) / step", "return float('nan')")},
    "liar": {"gd.py": REF_GD.replace("return (f(p1) - f(p)) / step",
                                     "class Liar:\n        __eq__ = lambda s, o: True\n"
                                     "        __float__ = lambda s: 0.0\n    return Liar()")},
    "swapped-mul": {"net.py": REF_NET.replace("lambda x, y: y, lambda x, y: x)", "lambda x, y: x, lambda x, y: y)")},
    "no-zero-grad": {"torchGd1.py": REF_TORCHGD1.replace("            x.grad.zero_()", "            pass")},
    "hard-coded": {"torchGd3.py": "print('x= tensor([-0.0018, -0.0035], requires_grad=True)')\n",
                   "net1.py": "print('net.forward()= 10')\nprint('x= v:1 g:2 y= v:3 g:6 o= v:10 g:1')\n"
                              "print('gfx = x.g/o.g =  2.0 gfy = y.g/o.g= 6.0')\n",
                   "net.py": REF_NET},
    "sys-exit": {"gd.py": "import sys\n" + REF_GD + "\nsys.exit(0)\n"},
    "os-exit-mid-check": {"net.py": REF_NET.replace(
        "        self.o.g = 1        # ∂o/∂o = 1 starts the chain rule",
        "        import os; os._exit(0)")},
    "endless-df": {"gd.py": REF_GD.replace("    p1 = np.array(p, dtype=float)", "    while True: pass\n    p1 = None")},
    "flood": {"torchGd3.py": "while True:\n    print('x' * 65536)\n"},
    "shadowing": {"gd.py": REF_GD, "json.py": "raise RuntimeError('shadowed json')\n",
                  "math.py": "raise RuntimeError('shadowed math')\n",
                  "sitecustomize.py": "raise RuntimeError('sitecustomize ran')\n"},
    "deep-and-duplicated": {"week13/02/gd.py": REF_GD, "old/attempts/v1/gd.py": "def df(: pass\n"},
    "vandal": {"gd.py": "open('../../vandal.txt', 'w').write('x')\nopen('gd.py', 'a').write('#')\n" + REF_GD},
    "crlf-tabs": {"gd.py": REF_GD.replace("    ", "\t").replace("\n", "\r\n")},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, specs):
    classroom = tmp_path_factory.mktemp("class")
    for student, files in STUDENTS.items():
        write(classroom / student, files)
    with zipfile.ZipFile(classroom / "zipped.zip", "w") as archive:
        archive.writestr("hw-top/week13/gd1.py", REF_GD)
        archive.writestr("__MACOSX/hw-top/week13/._gd1.py", b"\x00\x05\x16\x07junk")
        archive.writestr("../escape.py", "print('zip slip')")
    (classroom / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    before = tree_digest(classroom)
    report = grade(classroom, [s for s in specs if s.id in ("gd", "net", "net1", "torchGd1", "torchGd3")], timeout=12)
    return report, by_student(report), before, tree_digest(classroom), classroom


def check(results, student, exercise, name):
    return next(c for c in results[student][exercise].checks if c.name == name)


def test_correct_and_variants_earn_full_marks(graded):
    _, results, *_ = graded
    for student, exercise in [("correct", "gd"), ("correct", "net"), ("correct", "net1"), ("correct", "torchGd1"),
                              ("correct", "torchGd3"), ("central-differences", "gd"), ("shadowing", "gd"),
                              ("crlf-tabs", "gd"), ("zipped", "gd"), ("deep-and-duplicated", "gd")]:
        result = results[student][exercise]
        assert result.score == result.max_score, (student, exercise, [c.message for c in result.checks])


def test_forward_difference_without_division_is_named(graded):
    _, results, *_ = graded
    df = check(results, "no-divide", "gd", "df")
    assert df.status == "failed" and df.score == 0 and "did you forget to divide by step?" in df.message
    assert "expected" in df.message and "got" in df.message


def test_nan_and_lying_objects_never_pass(graded):
    _, results, *_ = graded
    assert check(results, "nan", "gd", "df").score == 0
    liar = check(results, "liar", "gd", "df")
    assert liar.score == 0 and "Liar" in liar.message


def test_swapped_mul_derivatives_are_caught_and_explained(graded):
    _, results, *_ = graded
    backward = check(results, "swapped-mul", "net", "backward")
    assert backward.status == "failed" and "swapped" in backward.message


def test_gradient_not_cleared_is_detected_by_its_effect(graded):
    _, results, *_ = graded
    descent = check(results, "no-zero-grad", "torchGd1", "descent")
    assert descent.score == 0 and "not cleared" in descent.message


def test_hard_coded_output_earns_zero(graded):
    _, results, *_ = graded
    assert results["hard-coded"]["torchGd3"].score == 0
    assert results["hard-coded"]["net1"].score == 0
    assert "computed" in check(results, "hard-coded", "net1", "output").message


def test_sys_exit_at_import_is_the_students_error(graded):
    report, results, *_ = graded
    gd = results["sys-exit"]["gd"]
    assert gd.status == "error" and "sys.exit" in gd.message
    assert not report.errors


def test_os_exit_mid_check_keeps_earlier_results(graded):
    _, results, *_ = graded
    net = results["os-exit-mid-check"]["net"]
    assert check(results, "os-exit-mid-check", "net", "node_str").status == "passed"
    assert check(results, "os-exit-mid-check", "net", "backward").status == "error"
    assert 0 < net.score < net.max_score


def test_endless_call_times_out_alone(graded):
    _, results, *_ = graded
    assert check(results, "endless-df", "gd", "df").status == "timeout"


def test_output_flood_is_stopped(graded):
    _, results, *_ = graded
    flood = results["flood"]["torchGd3"]
    assert flood.status == "error" and flood.score == 0
    assert len(flood.output) <= 300_000


def test_duplicates_take_the_shallowest_with_a_warning(graded):
    _, results, *_ = graded
    gd = results["deep-and-duplicated"]["gd"]
    assert gd.file == "week13/02/gd.py"
    assert any("several files for gd" in w for w in gd.warnings)


def test_broken_zip_is_reported_and_the_class_goes_on(graded):
    report, results, *_ = graded
    broken = next(s for s in report.submissions if s.student == "broken")
    assert "not a readable zip" in broken.warnings[0]
    assert results["zipped"]["gd"].file == "week13/gd1.py"


def test_nothing_on_disk_changes(graded):
    _, _, before, after, classroom = graded
    assert before == after
    assert not (classroom.parent / "vandal.txt").exists()
    assert not (classroom / "vandal.txt").exists()


def test_missing_files_are_missing_not_errors(graded):
    _, results, *_ = graded
    assert results["no-divide"]["net"].status == "missing"


@pytest.mark.parametrize("failure", [
    pytest.param("device='cuda'", id="as-this-torch-says-it"),
    # what a CUDA build of torch says on a machine without a driver
    pytest.param("RuntimeError('Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU')",
                 id="cuda-build-without-driver"),
])
def test_a_script_that_demands_cuda_gets_a_clear_message(tmp_path, specs, failure):
    from conftest import grade
    source = reference_source("torchGd3.py")
    if failure.startswith("device"):
        source = source.replace("requires_grad=True)", f"requires_grad=True, {failure})", 1)
    else:
        source = f"raise {failure}\n" + source
    student = write(tmp_path / "gpu-only", {"torchGd3.py": source})
    [submission] = grade(student, [s for s in specs if s.id == "torchGd3"], device="cpu").submissions
    [result] = submission.exercises
    assert result.status == "error" and "without a GPU" in result.message


cuda = pytest.importorskip("torch").cuda.is_available()
REGRESSION = {"regression1train.py": reference_source("regression1train.py"),
              "regression2predict.py": reference_source("regression2predict.py")}
# Takes GPU memory a GiB at a time until refused, says how much it held, lets go, then trains.
GPU_HOG = """import torch
held = []
try:
    while True:
        held.append(torch.empty(2**30, dtype=torch.uint8, device='cuda'))
except torch.OutOfMemoryError:
    print('held', len(held) * 2**30)
del held
torch.cuda.empty_cache()
"""


@pytest.mark.skipif(cuda, reason="a GPU that cannot be started is simulated where there is none")
def test_a_child_that_cannot_start_cuda_is_the_graders_error_not_the_students(tmp_path, specs):
    report = grade(write(tmp_path / "s", REGRESSION), [s for s in specs if s.id == "regression1train"], device="cuda")
    [result] = report.submissions[0].exercises
    assert result.status == "error" and result.message.startswith("grader error (not your fault)")
    assert "CUDA could not be started in the sandboxed child" in " ".join(report.errors)


@pytest.mark.skipif(not cuda, reason="the CUDA path is tested where CUDA exists")
def test_regression_on_cuda_earns_full_marks(specs):
    from conftest import REFERENCE
    report = grade(REFERENCE, [s for s in specs if s.id.startswith("regression")], device="cuda")
    [submission] = report.submissions
    assert submission.score == submission.max_score, [c.message for e in submission.exercises for c in e.checks]


@pytest.mark.skipif(not cuda, reason="the CUDA path is tested where CUDA exists")
def test_workers_share_the_gpu_and_a_hog_gets_only_its_share(tmp_path, specs):
    import torch

    from grader.gpu import share
    classroom = tmp_path / "class"
    for name in ("honest-1", "honest-2", "honest-3"):
        write(classroom / name, REGRESSION)
    write(classroom / "hog", {**REGRESSION, "regression1train.py": GPU_HOG + REGRESSION["regression1train.py"]})
    regression = [s for s in specs if s.id.startswith("regression")]
    report = grade(classroom, regression, device="cuda", workers=4)
    assert not report.errors
    for submission in report.submissions:
        assert submission.score == submission.max_score, (submission.student, [c.message for e in submission.exercises for c in e.checks])
    total = torch.cuda.get_device_properties(0).total_memory
    output = by_student(report)["hog"]["regression1train"].output
    held = int(output.split("held ", 1)[1].split()[0])
    assert 0 < held <= share(total, 4) * total
