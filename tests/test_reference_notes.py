"""The reference solutions reproduce every figure printed in the class notes.

The expected lines below are quoted from the notes (shared/seeds/), not regenerated from the
code: if a reference changes what it prints, these tests fail.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parent.parent / "reference"

# Deterministic scripts: (script, the lines the notes print, in order). 21 figures.
NOTES_LINES = {
    "net1.py": [
        "net.forward()= 10",
        "x= v:1 g:2 y= v:3 g:6 o= v:10 g:1",
        "gfx = x.g/o.g =  2.0 gfy = y.g/o.g= 6.0",
    ],
    "net2.py": [
        "0  =>  10",
        "1  =>  9.216",
        "2  =>  8.4934656",
        "97  =>  0.003635960944957329",
        "98  =>  0.003350901606872675",
        "99  =>  0.003088190920893857",
        "x= 0.01687031935884968 y= 0.050610958076549",
    ],
    "autograd0.py": ["tensor(2.)", "tensor(6.)", "10.0"],
    "autograd1.py": ["tensor(2.)", "tensor(6.)", "10.0"],
    "autograd2.py": ["f= 10.0", "x.grad= tensor([2., 6.])"],
    "autograd2a.py": ["f= 3.1622776985168457", "x.grad= tensor([0.3162, 0.9487])"],
    "torchGd3.py": ["x= tensor([-0.0018, -0.0035], requires_grad=True)"],
}


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A scratch copy of reference/: the scripts write model.ckpt where they run."""
    shutil.copytree(REFERENCE, tmp_path / "reference")
    return tmp_path / "reference"


def run(box: Path, script: str) -> list[str]:
    """Run a reference script as the course does, `python script`, in its folder."""
    done = subprocess.run([sys.executable, script], cwd=box, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{script} failed:\n{done.stderr}"
    return [line.rstrip() for line in done.stdout.splitlines()]


def assert_in_order(expected: list[str], printed: list[str]) -> None:
    position = 0
    for line in expected:
        assert line in printed[position:], f"{line!r} not printed (after line {position}):\n" + "\n".join(printed)
        position = printed.index(line, position) + 1


@pytest.mark.parametrize("script", sorted(NOTES_LINES))
def test_deterministic_script_prints_the_notes_lines(box, script):
    printed = run(box, script)
    assert_in_order(NOTES_LINES[script], printed)


def test_net2_prints_all_100_loops(box):
    printed = run(box, "net2.py")
    loops = [int(line.split()[0]) for line in printed if "=>" in line]
    assert loops == list(range(100))


@pytest.mark.parametrize("script, name", [("torchGd1.py", "x"), ("torchGd2.py", "parameters")])
def test_torch_descent_converges_to_two(box, script, name):
    # Notes: "Result: x = 1.999906063079834 loss=0.0" and
    # "Result: parameters = [tensor(1.9999, requires_grad=True)] loss=0.0"; the start is random.
    result = run(box, script)[-1]
    match = re.fullmatch(rf"Result: {name} = \[?(?:tensor\()?([-\d.e]+)\S*.* loss=(\S+)", result)
    assert match, result
    assert abs(float(match.group(1)) - 2.0) <= 1e-3
    assert match.group(2) == "0.0"


def test_regression_fits_the_polynomial_and_predicts_34(box):
    # Notes: "Result: y = 0.0004989… + 1.0004996… x + 2.0004987… x^2 + 3.0004994… x^3" and
    # "predict=tensor([33.9925], grad_fn=<ViewBackward>)"; the model's start is random.
    trained = run(box, "regression1train.py")
    numbers = re.fullmatch(r"Result: y = (\S+) \+ (\S+) x \+ (\S+) x\^2 \+ (\S+) x\^3", trained[-1])
    assert numbers, trained[-1]
    assert [float(n) for n in numbers.groups()] == pytest.approx([0, 1, 2, 3], abs=0.01)
    assert (box / "model.ckpt").is_file()

    predicted = run(box, "regression2predict.py")
    value = re.fullmatch(r"predict=tensor\(\[(\S+)\], grad_fn=<ViewBackward\d*>\)", predicted[-1])
    assert value, predicted[-1]
    assert float(value.group(1)) == pytest.approx(34, abs=0.05)


def test_gd_stops_half_a_step_short_of_the_minimum():
    sys.path.insert(0, str(REFERENCE))
    try:
        import gd
    finally:
        sys.path.remove(str(REFERENCE))
    p0 = [1.0, 3.0]
    end = gd.gradientDescendent(lambda p: p[0] ** 2 + p[1] ** 2, p0)
    assert p0 == [1.0, 3.0]
    assert list(end) == pytest.approx([-0.005, -0.005], abs=1e-4)
