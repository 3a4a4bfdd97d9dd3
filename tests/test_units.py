"""Unit tests of the pieces the engine is made of: comparisons, specs, the wire, plain data."""
import math

import pytest
from conftest import ROOT

from grader.cli import main
from grader.compare import Tolerance, compare
from grader.driver import Call, Item
from grader.exercises import load_specs
from grader.plain import Unconvertible, number, to_plain
from grader.spec import SpecError, load_spec
from grader.submissions import decode
from grader.wire import ErrorInfo, Job, Observation, Reply, Request, RunReply, Step


@pytest.mark.parametrize("got, expected, ok", [
    pytest.param(1.0 + 1e-9, 1.0, True, id="within-rtol"),
    pytest.param(1.1, 1.0, False, id="outside"),
    pytest.param(math.nan, math.nan, False, id="nan-never-passes"),
    pytest.param(math.inf, math.inf, False, id="inf-never-passes"),
    pytest.param([1.0, 2.0], {"tensor": {"values": [1.0, 2.0], "shape": [2]}}, True, id="list-vs-tensor"),
    pytest.param([[1.0], [2.0]], [1.0, 2.0], True, id="column-vs-flat"),
    pytest.param([1.0, 2.0, 3.0], [1.0, 2.0], False, id="shape"),
])
def test_compare(got, expected, ok):
    assert (compare("v", got, expected, Tolerance(1e-6, 1e-12)) is None) is ok


def test_compare_message_names_errors_and_tolerance():
    difference = compare("x.grad", [2.0, 7.0], [2.0, 6.0], Tolerance(1e-5, 1e-6))
    assert difference.message == ("x.grad: expected [2, 6], got [2, 7]; 1 of 2 differ, largest error 1 "
                                  "(relative 0.167), tolerance rtol=1e-05, atol=1e-06")
    assert "expected shape [2], got shape [3]" in compare("x", [1.0, 2.0, 3.0], [1.0, 2.0], Tolerance()).message


def test_spec_errors_name_file_field_and_value(tmp_path):
    bad = tmp_path / "gd.toml"
    bad.write_text('id = "gd"\nfiles = ["gd.py"]\nkind = "module"\n[[checks]]\nname = "a"\nkind = "nope"\npoints = -1\n')
    with pytest.raises(SpecError, match=r"gd\.toml: checks\.0\.points: .*greater than or equal to 0 \(got -1\)"):
        load_spec(bad)
    bad.write_text('id = "gd"\nfiles = ["gd.py"]\nkind = "module"\n[[checks]]\nname = "a"\nkind = "nope"\npoints = 1\n')
    with pytest.raises(SpecError, match=r"gd\.toml: check 'a': unknown kind 'nope'; built-in kinds: api, backprop"):
        load_specs(tmp_path)
    renamed = tmp_path / "other.toml"
    renamed.write_text((ROOT / "assignments" / "gd.toml").read_text())
    with pytest.raises(SpecError, match="id 'gd' must match the file name 'other'"):
        load_spec(renamed)


def test_wire_models_round_trip():
    job = Job(exercise="gd", kind="module", box="/tmp/b", file="gd.py", timeout=5, call_timeout=1, memory_mb=4096,
              output_bytes=100)
    assert Job.model_validate_json(job.model_dump_json()) == job
    item = Item(job=job, calls=[Call(check="df", probe="gd.df", params={"cases": [1, [2.5]]})])
    assert Item.model_validate_json(item.model_dump_json()) == item
    request = Request(nonce="n", op="steps", timeout=1.0, steps=[Step(call="df", args=[{"$": "f"}, [1.0, 2.0], 0])])
    assert Request.model_validate_json(request.model_dump_json()) == request
    answer = Reply(nonce="n", results=[1.5, {"tensor": {"values": [1.0]}}], records={"f": [1.0]})
    assert Reply.model_validate_json(answer.model_dump_json()) == answer
    observation = Observation(check="df", phase="call", value=[1.0, {"a": None}],
                              error=ErrorInfo(type="ValueError", message="m", file="gd.py", line=3))
    assert Observation.model_validate_json(observation.model_dump_json()) == observation
    reply = RunReply(exit_code=0, observations={"df": observation})
    assert RunReply.model_validate_json(reply.model_dump_json()) == reply


def test_observation_rejects_unexpected_fields():
    with pytest.raises(ValueError):
        Observation.model_validate_json('{"check": "df", "phase": "call", "score": 100}')


def test_plain_ignores_lying_methods():
    class Lying(float):
        def __float__(self):
            return 42.0

        def __eq__(self, other):
            return True

    assert to_plain(Lying(1.5)) == 1.5
    with pytest.raises(Unconvertible, match="cannot compare a .*Opaque"):
        to_plain(type("Opaque", (), {"__float__": lambda self: 1.0})())
    torch = pytest.importorskip("torch")
    assert number(torch.tensor([3.0])) == 3.0
    assert to_plain(torch.tensor([[1.0, 2.0]], dtype=torch.float64))["tensor"]["shape"] == [1, 2]


def test_decode_big5_and_bom():
    assert decode("\ufeffprint(1)".encode("utf-8")) == ("print(1)", None)
    text, encoding = decode("# 梯度下降\n".encode("cp950"))
    assert text == "# 梯度下降\n" and encoding == "cp950"


def test_cli_usage_errors_exit_2(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere")]) == 2
    assert main([str(tmp_path), "--exercise", "nope"]) == 2
    assert "unknown exercise ['nope']" in capsys.readouterr().err.replace("\n", "")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "gd.toml").write_text('id = "gd"\n')
    assert main([str(tmp_path), "--assignments", str(tmp_path / "specs")]) == 2


STUB_SOURCE = '''
def GD(x, loss_fn, loop_max, learning_rate):
    """Descend."""
    raise NotImplementedError("write GD(): see the exercise")

def df(f, p, k, step=0.01):
    raise NotImplementedError

def df(f, p, k, step=0.01):          # redefined below the stub: the answer is what counts
    return (f(p) - f(p)) / step

class Net:
    def forward(self):
        raise NotImplementedError("write forward()")

    def backward(self):
        return 1

def grad(f, p, step=0.01):
    raise NotImplementedError

grad = df                            # the answer arrived by assignment
'''


@pytest.mark.parametrize("name, stub", [
    pytest.param("GD", True, id="function-placeholder"),
    pytest.param("df", False, id="last-definition-wins"),
    pytest.param("Net.forward", True, id="method-placeholder"),
    pytest.param("Net", False, id="class-partly-written"),
    pytest.param("grad", False, id="placeholder-replaced-by-an-assignment"),
    pytest.param("missing", False, id="not-defined-in-the-file"),
])
def test_starter_placeholders_found_from_source(tmp_path, name, stub):
    from grader.child import Definitions

    (tmp_path / "gd.py").write_text(STUB_SOURCE)
    namespace = {}
    exec(compile(STUB_SOURCE, str(tmp_path / "gd.py"), "exec"), namespace)
    head, *rest = name.split(".")
    value = namespace.get(head)
    for attribute in rest:
        value = getattr(value, attribute)
    assert Definitions(tmp_path / "gd.py").is_stub(name, value) is stub


def test_gpu_share_leaves_room_for_every_context():
    from grader.gpu import CONTEXT_RESERVE, SMALLEST_SHARE, share

    card = 80 * 2**30
    assert share(card, 1) == pytest.approx(0.95 - CONTEXT_RESERVE / card)
    for sharers in (2, 4, 16):
        fraction = share(card, sharers)
        assert sharers * (fraction * card + CONTEXT_RESERVE) <= card
    assert share(2**30, 16) * 2**30 == pytest.approx(SMALLEST_SHARE)   # a small card: never below the floor


def run_script(source: str, folder):
    """One script item, as a runner gives it to a warm worker: a staged copy holding a.py."""
    staged = folder / "staged"
    staged.mkdir(exist_ok=True)
    (staged / "a.py").write_text(source)
    job = Job(exercise="a", kind="script", box="", file="a.py", timeout=30, call_timeout=30, memory_mb=4096,
              output_bytes=10000)
    return staged, Item(job=job, calls=[])


def test_each_item_gets_a_private_copy_removed_before_its_worker_goes_on(tmp_path):
    from grader.runners import LocalRunner

    staged, job = run_script("open('written.txt', 'w').write('mine')\nprint(open('a.py').read().count('mine'))\n", tmp_path)
    with LocalRunner(1) as runner:
        first = runner.submit(job, staged, "first")
        second = runner.submit(job, staged, "second")
        assert first.result().exit_code == 0 and second.result().exit_code == 0, first.result().stderr
        assert all(list(root.iterdir()) == [] for root in runner.roots)   # each box gone once its child is
        assert runner.problems == []
    assert not any(root.exists() for root in runner.roots)
    assert sorted(p.name for p in staged.iterdir()) == ["a.py"]   # the staged copy untouched


def test_a_box_that_cannot_be_made_is_the_graders_error(tmp_path):
    from grader.runners import LocalRunner

    _, job = run_script("", tmp_path)
    with LocalRunner(1) as runner:
        reply = runner.submit(job, tmp_path / "no-such-folder", "box").result()
    assert reply.worker_error.startswith("the private copy could not be made")


@pytest.mark.parametrize("uid_map, base", [
    pytest.param("         0          0 4294967295\n", "own", id="host"),
    pytest.param("         0     100000      65536\n", "shared", id="container-with-65536-uids"),
])
def test_children_get_uids_of_their_own_only_where_the_namespace_maps_them(tmp_path, uid_map, base):
    from grader.fences import CHILD_UIDS, UNPRIVILEGED_UID, child_uid_base

    (tmp_path / "uid_map").write_text(uid_map)
    (tmp_path / "pid_max").write_text("4194304\n")
    expected = CHILD_UIDS if base == "own" else UNPRIVILEGED_UID
    assert child_uid_base(tmp_path / "uid_map", tmp_path / "pid_max") == expected


def test_kept_variables_reach_the_child_and_nothing_else(tmp_path, monkeypatch):
    from grader.runners import LocalRunner

    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("GRADER_TEST_SECRET", "hunter2")
    staged, job = run_script("import os\nprint(sorted(os.environ.items()))\n", tmp_path)
    with LocalRunner(1) as runner:
        reply = runner.submit(job, staged, "box").result()
    printed = reply.observations["__load__"].output
    assert "('LANG', 'C.UTF-8')" in printed and "('PATH'," in printed
    assert "hunter2" not in printed and "('CUDA_VISIBLE_DEVICES', '')" in printed


def test_output_messages_name_only_lines_the_pattern_keeps():
    from grader.kinds.output import expected_lines, match_lines

    want = expected_lines("99 x= 1.5 loss= 0.25\nResult: x = 1.99990 loss=0.0\n", "^Result")
    printed = ["Result x 1.9", "99 x= 1.5 loss= 0.25", "Result: x = 3.0 loss=0.0"]
    found, miss = match_lines(printed, want, Tolerance(0, 1e-3), "^Result")
    assert found == 0 and "'Result: x = 3.0 loss=0.0'" in miss and "99 x=" not in miss
    found, miss = match_lines(["99 x= 1.99990 loss= 0.0"], want, Tolerance(0, 1e-3), "^Result")
    assert found == 0 and miss == "expected a line like 'Result: x = 1.99990 loss=0.0', none printed"
