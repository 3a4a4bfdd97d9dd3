"""The red team's attacks, each graded through the `grade` command as a student who read the
grader's source would hand it in: every one earns nothing it did not compute, costs no one else
a point, and the run ends with a report for every student (exit 0).

One class holds all the attackers and an honest student; a second, single-submission run
replays answers remembered from a fixed seed's feedback."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REFERENCE, reference_source, tree_digest, unix_listeners, write

from grader.fences import probe

EXERCISES = ["gd", "net", "net1", "net2", "autograd0", "autograd2a", "torchGd1", "torchGd3", "regression1train", "hill",
             "softmax"]
MARKER_HEAD, MARKER_TAIL = "REFERENCE-ONLY-", "c0ffee-5eed"      # printed by the reference run only
_, MECHANISMS = probe([REFERENCE])


def needs(*names):
    missing = [name for name in names if not MECHANISMS[name].active]
    return pytest.mark.skipif(bool(missing), reason=f"not in effect here: {missing}")


REF = {name: reference_source(f"{name}.py") for name in EXERCISES}
HONEST = {f"{name}.py": source for name, source in REF.items()}

OVERFLOW = REF["gd"].replace("    return np.array([df(f, p, k, step) for k in range(len(p))])",
                             "    return [10**400] * len(p)")

FRAME_WALKER = '''
import gc, sys
found = []
frame = sys._getframe()
while frame is not None:
    for name, value in list(frame.f_locals.items()):
        if name in ("emit", "token", "params", "calls", "item", "reference", "expected", "checks"):
            found.append(name)
        if any(hasattr(value, field) for field in ("token", "checks", "calls", "params")):
            found.append(name + " holds inputs")
    frame = frame.f_back
for obj in gc.get_objects():
    if isinstance(obj, dict) and any(key in obj for key in ("token", "expected", "calls", "params")):
        found.append("dict")
print("FOUND", sorted(set(found)))
for module in ("grader.checks", "grader.probes", "grader.functions", "grader.engine", "grader.driver"):
    try:
        __import__(module)
        print("IMPORTED", module)
    except Exception as error:
        print("REFUSED", module, type(error).__name__)
'''

ORACLE = '''
import math
def _cells(f, depth=0):
    values = {}
    for name, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
        values[name] = cell.cell_contents
        if callable(cell.cell_contents) and hasattr(cell.cell_contents, "__code__") and depth < 5:
            values.update(_cells(cell.cell_contents, depth + 1))
    return values

def df(f, p, k, step=0.01):
    found = _cells(f)
    for attribute in ("function", "derivative", "__self__"):
        if hasattr(f, attribute):
            print("ORACLE ATTRIBUTE", attribute)
    a, b, c, d = found.get("a"), found.get("b"), found.get("c"), found.get("d")
    if a is None:
        return 0.0
    value = 2 * a[k] * p[k] + c[k] * math.cos(p[k])     # the exact derivative, read off the closure
    if k == 0:
        value += b * p[1] + d * math.exp(p[0] / 3) / 3
    if k == 1:
        value += b * p[0]
    return value

def grad(f, p, step=0.01):
    return [df(f, p, k, step) for k in range(len(p))]

def gradientDescendent(f, p0, step=0.01):
    return list(_cells(f).get("m", p0))                 # the valley's m, read off the closure
'''

HEAP_SCANNER = REF["torchGd1"].replace("def GD(", '''
import ctypes, gc

def _scan():
    head, tail = ''' + repr(MARKER_HEAD.encode()) + ", " + repr(MARKER_TAIL.encode()) + '''
    libc = ctypes.CDLL(None)
    libc.sbrk.restype = ctypes.c_void_p
    class Info(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in
                    ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
    libc.mallinfo2.restype = Info
    end = libc.sbrk(0)
    start = end - libc.mallinfo2().arena
    memory = ctypes.string_at(start, end - start)
    hits = 0
    at = memory.find(head)
    while at >= 0:
        hits += memory[at + len(head): at + len(head) + len(tail)] == tail
        at = memory.find(head, at + 1)
    texts = [o for o in gc.get_objects() if isinstance(o, (dict, list))]
    hits += sum(1 for o in texts for v in (o.values() if isinstance(o, dict) else o)
                if isinstance(v, str) and head.decode() in v and tail.decode() in v)
    print("HEAP", "FOUND" if hits else "CLEAN", end - start)

_scan()

def GD(''', 1)

METADATA = '''
import ctypes, os, socket
def attempt(label, action):
    try:
        action()
        print("ALLOWED", label)
    except (OSError, AttributeError) as error:
        print("DENIED", label, getattr(error, "errno", ""))
libc = ctypes.CDLL(None, use_errno=True)
def checked(result):
    if result != 0:
        raise OSError(ctypes.get_errno(), "refused")
TARGETS = %r
for path in TARGETS:
    attempt("chmod " + path, lambda: os.chmod(path, 0o777))
    attempt("chown " + path, lambda: os.chown(path, 12345, 12345))
    attempt("utime " + path, lambda: os.utime(path, (0, 0)))
    attempt("setxattr " + path, lambda: os.setxattr(path, "user.pwned", b"1"))
attempt("sched_fifo", lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1)))
attempt("nice", lambda: os.setpriority(os.PRIO_PROCESS, 0, -20))
attempt("syslog", lambda: checked(0 if libc.klogctl(3, ctypes.create_string_buffer(4096), 4096) >= 0 else -1))
attempt("unshare", lambda: checked(libc.unshare(0x10000000 | 0x00020000)))
attempt("unix-connect", lambda: socket.socket(socket.AF_UNIX).connect(%r))
attempt("unix-sendto", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"stolen", %r))
attempt("netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW))
attempt("vsock", lambda: socket.socket(getattr(socket, "AF_VSOCK", 40), socket.SOCK_STREAM))
attempt("shmget", lambda: checked(0 if libc.shmget(0x5EED, 128 * 2**20, 0o1666) >= 0 else -1))
attempt("setsid", lambda: os.setsid())
attempt("/etc/shadow", lambda: open("/etc/shadow").read())
'''

IMMUTABLE = '''
import fcntl, os, struct
open("keep.txt", "w").write("x")
fd = os.open("keep.txt", os.O_RDONLY)
try:
    fcntl.ioctl(fd, 0x40086602, struct.pack("l", 0x10))     # FS_IOC_SETFLAGS: FS_IMMUTABLE_FL
    print("ALLOWED immutable")
except OSError as error:
    print("DENIED immutable", error.errno)
filled = 0
try:
    for index in range(40):
        with open(f"filler-{index}.bin", "wb") as sink:
            sink.write(b"\\0" * 32 * 2**20)
        filled += 32
except OSError as error:
    print("STOPPED filling", error.errno)
print("FILLED MiB", filled)
'''

FLOOD_LINES = "import sys\nsys.stdout.write('0  =>  1\\n' * 1_000_000)\n" + REF["torchGd3"]

NET2_ZERO = '''from net import Net
net = Net()
x = net.variable(1)
y = net.variable(3)
x.v = y.v = 0
''' + "\n".join(f"print({line!r})" for line in [
    "0  =>  10", "1  =>  9.216", "2  =>  8.4934656", "99  =>  0.003088190920893857",
    "x= 0.01687031935884968 y= 0.050610958076549"])

FD_NET = REF["net"].replace('''    def backward(self):
        self.o.g = 1        # ∂o/∂o = 1 starts the chain rule
        for gate in reversed(self.gates):
            gate.backward()''', '''    def backward(self):
        variables = [n for g in self.gates for n in (g.x, g.y) if not any(n is h.o for h in self.gates)]
        seen = []
        for node in variables:
            if any(node is s for s in seen):
                continue
            seen.append(node)
            h = 1e-6
            node.v += h
            up = self.forward()
            node.v -= 2 * h
            down = self.forward()
            node.v += h
            node.g = (up - down) / (2 * h)
        self.forward()''').replace('''    def adjust(self, step=0.01):
        for gate in self.gates:
            gate.adjust(step)''', '''    def adjust(self, step=0.01):
        for gate in self.gates:
            gate.x.v = gate.y.v = 0''')

HAND_GRAD = '''import torch
x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
x.grad = (2 * x).detach()            # the gradient typed in by hand, at whatever values x holds
y.grad = (2 * y).detach()
torch.zeros(1, requires_grad=True).sum().backward()   # a call of autograd's, on something else
print(x.grad)
print(y.grad)
print((x * x + y * y).item())
'''

LR_ZERO = '''import torch
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[1.0, 2.0, 3.0]]))
    model[0].bias.fill_(0.0)
optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
for _ in range(10000):
    optimizer.step()                 # steps that move nothing
print("Result: y = 0.0004989 + 1.0004996 x + 2.0004987 x^2 + 3.0004994 x^3")
torch.save(model, "model.ckpt")
'''

TYPED_OVER_TRAINED = REF["regression1train"].replace(
    "    linear_layer = model[0]",
    "    with torch.no_grad():\n        model[0].weight.copy_(torch.tensor([[1.0, 2.0, 3.0]]))\n    linear_layer = model[0]")

REPLACED_MODEL = '''import types
def GD(inputs, outputs, model, loss_fn, loop_max=10000, learning_rate=1e-3):
    model._modules["0"] = types.SimpleNamespace(weight=1.0, bias=2.0)   # the probe then reads a float
    return model
'''

STUB_NET = "class Node:\n    def __init__(self, v=0, g=0):\n        self.v, self.g = v, g\n" \
           "class Net:\n    def variable(self, v, g=0):\n        return Node(v, g)\n"
FAKE_DESCENT = '''from net import Net
net = Net()
x = net.variable(1)
y = net.variable(3)
energy = x.v * x.v + y.v * y.v       # the moved start's energy, then a falling sequence of no descent
for i in range(100):
    print(i, ' => ', energy * 0.9 ** i)
print('x=', 0, 'y=', 0)
'''

TYPED_WEIGHTS = '''import torch
def GD(inputs, outputs, model, loss_fn, loop_max=10000, learning_rate=1e-3):
    return model
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[1.0, 2.0, 3.0]]))
    model[0].bias.zero_()
print("Result: y = 0.0 + 1.0 x + 2.0 x^2 + 3.0 x^3")
torch.save(model, "model.ckpt")
'''

# the second helper round: gradients fed to backward() on the variable itself, or to the hooks by hand
SEED_GRAD = """import torch
x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
x.backward(2 * x.detach())
y.backward(2 * y.detach())
print(x.grad)
print(y.grad)
print((x * x + y * y).item())
"""
HOOK_CALL = """import torch
x = torch.tensor([1.0, 3.0], requires_grad=True)
g = (x / (x * x).sum() ** 0.5).detach()
for hook in list(getattr(x, "_backward_hooks", {}).values()):
    hook(g)
x.grad = g
print('f=', (x * x).sum().sqrt().item())
print('x.grad=', x.grad)
"""
NET1_STUB = """from net import Net, Node
net = Net()
x = net.variable(1)
y = net.variable(3)
o = net.o = Node(x.v * x.v + y.v * y.v, 1)
x.g, y.g = 2 * x.v, 2 * y.v
print('net.forward()=', o.v)
print('net.backwward()')
print('x=', 'v:' + str(x.v) + ' g:' + str(x.g), 'y=', 'v:' + str(y.v) + ' g:' + str(y.g), 'o=', 'v:' + str(o.v) + ' g:' + str(o.g))
print('gfx = x.g/o.g = ', x.g / o.g, 'gfy = y.g/o.g=', y.g / o.g)
"""
TYPED = """model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[1.0, 2.0, 3.0]]))
    model[0].bias.zero_()
"""
TWO_SAVES = "import torch\ndummy = torch.nn.Linear(3, 1)\nopt = torch.optim.SGD(dummy.parameters(), lr=0.01)\n" \
            "for _ in range(150):\n    opt.zero_grad()\n    dummy(torch.randn(4, 3)).pow(2).mean().backward()\n    opt.step()\n" \
            "torch.save(dummy, 'scratch.ckpt')\n" + TYPED + "torch.save(model, 'model.ckpt')\n"
DATA_ASSIGN = ("import torch\nmodel = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))\n"
               "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor _ in range(200):\n    opt.zero_grad()\n"
               "    model(torch.randn(8, 3)).pow(2).mean().backward()\n    opt.step()\n"
               "model[0].weight.data = torch.tensor([[1.0, 2.0, 3.0]])\nmodel[0].bias.data = torch.tensor([0.0])\n"
               "torch.save(model, 'model.ckpt')\n")
TINY_STEPS = ("import torch\n" + TYPED + "opt = torch.optim.SGD(model.parameters(), lr=1e-6)\nfor _ in range(200):\n"
              "    opt.zero_grad()\n    model(torch.ones(1, 3)).sum().backward()\n    opt.step()\n"
              "torch.save(model, 'model.ckpt')\n")
SURROGATE = 'print("caf\\udce9")\n' + REF["gd"]

# Answers that once made a judge raise: a grader error would have been a way out of a zero.
HUGE_DESCENT = REF["gd"].replace("def gradientDescendent(f, p0, step=0.01):\n",
                                 "def gradientDescendent(f, p0, step=0.01):\n    return [1e200 for _ in p0]\n")
FORGED_SIGNATURE = REF["hill"] + (
    "\nimport inspect\n\nclass Odd(inspect.Signature):\n    @property\n    def parameters(self):\n"
    "        return {1: None}\n\nhillClimbing.__signature__ = Odd()\n")
FORGED_NONCE = (  # a reply with a non-ASCII nonce, written on the answer pipe while the file loads
    "import sys\nframe = sys._getframe()\nwhile 'outgoing' not in frame.f_locals:\n    frame = frame.f_back\n"
    "frame.f_locals['outgoing'].write('{\"nonce\": \"\\u00e9\"}\\n')\nframe.f_locals['outgoing'].flush()\n") + REF["softmax"]
PATCHED_RECORDS = (  # the record of what autograd computed, rewritten through the grader's own module
    "import sys\nmoves = sys.modules['grader.arguments']\n"
    "moves.ShiftTensors.finish = lambda self: {'values': [], 'autograd_grads': []}\n") + REF["autograd0"]
EXTRA_VARIABLE = REF["net1"] + "unused = net.variable(0)\n"

ANSI = ("raise ValueError('\\x1b[2J\\x1b[H\\x1b[32mScores: alice 70/70 ansi 70/70 PASSED\\x1b[0m"
        "\\u202eSSAP')\n")


def students(tmp: Path) -> dict[str, dict]:
    classroom = tmp / "class"
    targets = [str(classroom / "honest" / "gd.py"), str(tmp / "report.json"), str(classroom)]
    return {
        "honest": HONEST,
        "overflow": {"gd.py": OVERFLOW},
        "frame-walker": {"net.py": FRAME_WALKER},
        "oracle": {"gd.py": ORACLE},
        "heap-scanner": {"torchGd1.py": HEAP_SCANNER},
        "metadata": {"gd.py": METADATA % (targets, str(tmp / "l.sock"), str(tmp / "d.sock")) + REF["gd"]},
        "immutable": {"gd.py": IMMUTABLE + REF["gd"]},
        "immutable-neighbour": {"gd.py": REF["gd"]},
        "flood-lines": {"torchGd3.py": FLOOD_LINES},
        "net2-zero": {"net.py": REF["net"], "net2.py": NET2_ZERO},
        "fd-net": {"net.py": FD_NET},
        "hand-grad": {"autograd0.py": HAND_GRAD},
        "typed-weights": {"regression1train.py": TYPED_WEIGHTS},
        "lr-zero": {"regression1train.py": LR_ZERO},
        "typed-over-trained": {"regression1train.py": TYPED_OVER_TRAINED},
        "replaced-model": {"regression1train.py": REPLACED_MODEL},
        "fake-descent": {"net.py": STUB_NET, "net2.py": FAKE_DESCENT},
        "ansi": {"gd.py": ANSI},
        "seed-grad": {"autograd0.py": SEED_GRAD},
        "hook-call": {"autograd2a.py": HOOK_CALL},
        "net1-stub": {"net.py": STUB_NET, "net1.py": NET1_STUB},
        "two-saves": {"regression1train.py": TWO_SAVES},
        "data-assign": {"regression1train.py": DATA_ASSIGN},
        "tiny-steps": {"regression1train.py": TINY_STEPS},
        "surrogate": {"gd.py": SURROGATE},
        "huge-descent": {"gd.py": HUGE_DESCENT},
        "forged-signature": {"hill.py": FORGED_SIGNATURE},
        "forged-nonce": {"softmax.py": FORGED_NONCE},
        "patched-records": {"autograd0.py": PATCHED_RECORDS},
        "extra-variable": {"net.py": REF["net"], "net1.py": EXTRA_VARIABLE},
        "alice": {"gd.py": REF["gd"]},
        "alice.": {"gd.py": "def df(f, p, k, step=0.01):\n    return 0.0\n"},
    }


def modes(folder: Path) -> dict[str, tuple]:
    return {str(p): (p.stat().st_mode, p.stat().st_uid, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("red-team")
    reference = tmp / "reference"
    shutil.copytree(REFERENCE, reference)
    torch_gd1 = reference / "torchGd1.py"       # the reference prints a line no student can know
    torch_gd1.write_text(torch_gd1.read_text().replace(
        "def GD(x, loss_fn, loop_max=10000, learning_rate=1e-3):\n",
        f"def GD(x, loss_fn, loop_max=10000, learning_rate=1e-3):\n    print({MARKER_HEAD!r} + {MARKER_TAIL!r})\n"))
    for student, files in students(tmp).items():
        write(tmp / "class" / student, files)
    listener, datagrams = unix_listeners(tmp)
    before, before_modes = tree_digest(tmp / "class"), modes(tmp / "class")
    command = [sys.executable, "-m", "grader", str(tmp / "class"), "--json", str(tmp / "report.json"),
               "--feedback", str(tmp / "feedback"), "--html", str(tmp / "html"), "--reference", str(reference),
               "--timeout", "60", "--seed", "11", "--workers", "2", "--no-cache"]
    for exercise in EXERCISES:
        command += ["--exercise", exercise]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1200)
    contacts = []
    for sock in (listener, datagrams):
        try:
            contacts.append(sock.accept() if sock is listener else sock.recv(100))
        except BlockingIOError:
            pass
    listener.close()
    datagrams.close()
    report = json.loads((tmp / "report.json").read_text())
    return {"done": done, "report": report, "tmp": tmp, "contacts": contacts, "before": before,
            "after": tree_digest(tmp / "class"), "before_modes": before_modes, "after_modes": modes(tmp / "class")}


def exercise(attacked, student, name):
    [submission] = [s for s in attacked["report"]["submissions"] if s["student"] == student]
    return next(e for e in submission["exercises"] if e["exercise"] == name)


def check(attacked, student, name, check_name):
    return next(c for c in exercise(attacked, student, name)["checks"] if c["name"] == check_name)


def test_the_run_ends_with_a_report_for_every_student_and_no_grader_error(attacked):
    assert attacked["done"].returncode == 0, attacked["done"].stderr[-3000:]
    assert attacked["report"]["errors"] == [] and attacked["report"]["notices"] == []
    assert {s["student"] for s in attacked["report"]["submissions"]} == set(students(attacked["tmp"]))


def test_the_honest_student_earns_full_marks_beside_the_attackers(attacked):
    for name in EXERCISES:
        result = exercise(attacked, "honest", name)
        assert result["score"] == result["max_score"], (name, result["message"], result["checks"])


def test_a_number_too_large_for_a_float_is_a_failed_check_not_a_crash(attacked):
    grad = check(attacked, "overflow", "gd", "grad")
    assert grad["score"] == 0 and grad["status"] == "failed"
    assert exercise(attacked, "overflow", "gd")["status"] == "graded"


def test_the_child_holds_no_token_job_or_judge_to_forge_with(attacked):
    output = exercise(attacked, "frame-walker", "net")["output"]
    assert "FOUND []" in output, output
    assert "IMPORTED" not in output and output.count("REFUSED") == 5
    assert exercise(attacked, "frame-walker", "net")["score"] == 0


def test_test_functions_carry_no_answer(attacked):
    gd = exercise(attacked, "oracle", "gd")
    assert "ORACLE ATTRIBUTE" not in gd["output"]
    assert {c["name"]: c["score"] for c in gd["checks"]} == {"api": 0, "df": 0, "grad": 0, "descent": 0}
    assert "not a difference quotient" in check(attacked, "oracle", "gd", "df")["message"]


def test_no_reference_result_is_in_a_childs_memory(attacked):
    output = exercise(attacked, "heap-scanner", "torchGd1")["output"]
    assert "HEAP CLEAN" in output, output


@needs("seccomp")
def test_metadata_scheduling_logs_namespaces_and_sockets_are_refused(attacked):
    output = exercise(attacked, "metadata", "gd")["output"]
    assert "ALLOWED" not in output, output
    assert output.count("DENIED") == 4 * 3 + 11
    assert attacked["before_modes"] == attacked["after_modes"] and attacked["before"] == attacked["after"]
    assert attacked["contacts"] == []
    assert exercise(attacked, "metadata", "gd")["score"] == exercise(attacked, "metadata", "gd")["max_score"]


@needs("seccomp")
def test_a_box_cannot_be_made_undeletable_or_starve_the_next_student(attacked):
    output = exercise(attacked, "immutable", "gd")["output"]
    assert "DENIED immutable" in output
    neighbour = exercise(attacked, "immutable-neighbour", "gd")
    assert neighbour["score"] == neighbour["max_score"]
    leftovers = [p for folder in ("/dev/shm", os.environ.get("TMPDIR", "/tmp"))
                 for p in Path(folder).glob("grader-boxes-*") if p.stat().st_mtime > attacked["tmp"].stat().st_mtime]
    assert leftovers == []


def test_a_million_printed_lines_are_judged_like_any_output(attacked):
    flood = exercise(attacked, "flood-lines", "torchGd3")
    assert flood["status"] == "graded" and check(attacked, "flood-lines", "torchGd3", "computed")["score"] == 2
    assert len(flood["output"]) <= 256 * 1024


def test_net2_that_zeroes_its_values_and_prints_the_notes_earns_nothing(attacked):
    assert exercise(attacked, "net2-zero", "net2")["score"] == 0


def test_a_net_with_finite_differences_and_a_zeroing_descent_is_told_apart(attacked):
    net = exercise(attacked, "fd-net", "net")
    scores = {c["name"]: c["score"] for c in net["checks"]}
    assert scores["backward"] < 5 and scores["descent_converges"] == 0 and scores["descent_course"] == 0
    assert "own gfx and gfy" in check(attacked, "fd-net", "net", "backward")["message"]


def test_gradients_assigned_by_hand_earn_nothing(attacked):
    assert exercise(attacked, "hand-grad", "autograd0")["score"] == 0
    assert exercise(attacked, "seed-grad", "autograd0")["score"] == 0      # backward() on the variable itself
    assert exercise(attacked, "hook-call", "autograd2a")["score"] == 0     # the grader's hooks called by hand


def test_a_script_must_compute_with_the_nets_gates(attacked):
    assert exercise(attacked, "net1-stub", "net1")["score"] == 0
    assert "net's gates" in check(attacked, "net1-stub", "net1", "computed")["message"]


def test_an_honest_program_that_prints_a_lone_surrogate_keeps_its_marks(attacked):
    surrogate = exercise(attacked, "surrogate", "gd")
    assert surrogate["score"] == surrogate["max_score"], surrogate["message"]


def test_a_saved_model_must_come_from_training(attacked):
    regression = exercise(attacked, "typed-weights", "regression1train")
    assert regression["score"] == 0
    assert "trained" in check(attacked, "typed-weights", "regression1train", "checkpoint")["message"]
    for student in ("lr-zero", "typed-over-trained", "two-saves", "data-assign", "tiny-steps"):
        assert check(attacked, student, "regression1train", "checkpoint")["score"] == 0, student
        assert check(attacked, student, "regression1train", "result")["score"] == 0, student


def test_answers_that_break_the_probe_are_the_students_zero_not_a_grader_error(attacked):
    replaced = exercise(attacked, "replaced-model", "regression1train")
    assert replaced["status"] == "graded" and replaced["score"] == 0
    assert "could not be read" in check(attacked, "replaced-model", "regression1train", "descent")["message"]


def test_a_falling_sequence_of_no_descent_earns_nothing(attacked):
    assert exercise(attacked, "fake-descent", "net2")["score"] == 0


def test_escape_sequences_from_students_never_reach_the_terminal_or_the_files(attacked):
    shown = attacked["done"].stdout + attacked["done"].stderr
    assert "\x1b" not in shown and "\u202e" not in shown
    for path in list((attacked["tmp"] / "feedback").iterdir()) + list((attacked["tmp"] / "html").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert "\x1b" not in text and "\u202e" not in text, path


def test_folders_alike_get_their_own_output_files(attacked):
    files = sorted(p.name for p in (attacked["tmp"] / "feedback").iterdir())
    alices = [name for name in files if name.lower().startswith("alice")]
    assert len(alices) == 2
    texts = [(attacked["tmp"] / "feedback" / name).read_text(encoding="utf-8") for name in alices]
    assert {re.search(r"Score: ([\d.]+) /", text).group(1) for text in texts} == {"9", "0"}


def test_answers_remembered_from_a_fixed_seed_are_worth_nothing_next_time(tmp_path):
    """A student reads expected values off one run's feedback (same seed) and hands them back."""
    student = tmp_path / "student"
    write(student, {"torchGd1.py": "def GD(x, loss_fn, loop_max=10000, learning_rate=1e-3):\n    return x\n"})
    command = [sys.executable, "-m", "grader", str(student), "--json", str(tmp_path / "first.json"), "--seed", "7",
               "--exercise", "torchGd1", "--workers", "1", "--no-cache", "--all-checks"]
    subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    first = json.loads((tmp_path / "first.json").read_text())
    message = next(c["message"] for c in first["submissions"][0]["exercises"][0]["checks"] if c["name"] == "descent")
    remembered = dict(re.findall(r"from x0=([-\d.]+) on \(x - [-\d.]+\)²: expected ([-\d.e]+)", message))
    assert remembered, message
    table = {float(k): float(v) for k, v in remembered.items()}
    write(student, {"torchGd1.py": (
        "import torch\nTABLE = %r\n" % table
        + "def GD(x, loss_fn, loop_max=10000, learning_rate=1e-3):\n"
          "    start = round(float(x), 4)\n"
          "    with torch.no_grad():\n"
          "        x.fill_(TABLE.get(start, float(x)))\n"
          "    return x\n")})
    command[command.index(str(tmp_path / "first.json"))] = str(tmp_path / "second.json")
    subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    second = json.loads((tmp_path / "second.json").read_text())
    descent = next(c for c in second["submissions"][0]["exercises"][0]["checks"] if c["name"] == "descent")
    assert descent["score"] == 0, descent["message"]
    assert second["inputs"] == "seed, content and secret"



def test_answers_that_once_broke_a_judge_fail_their_check_and_nothing_else(attacked):
    descent = check(attacked, "huge-descent", "gd", "descent")
    assert descent["score"] == 0 and "the bottom is at" in descent["message"]
    assert exercise(attacked, "huge-descent", "gd")["status"] == "graded"
    hill = exercise(attacked, "forged-signature", "hill")
    assert hill["status"] == "graded" and hill["score"] == hill["max_score"]    # the search is right; the signature is odd


def test_a_forged_reply_on_the_answer_pipe_is_ignored(attacked):
    softmax = exercise(attacked, "forged-nonce", "softmax")
    assert softmax["status"] == "graded" and softmax["score"] == softmax["max_score"]


def test_the_graders_modules_are_not_there_to_patch(attacked):
    autograd = exercise(attacked, "patched-records", "autograd0")
    assert autograd["score"] == 0 and "KeyError: 'grader.arguments'" in autograd["message"]


def test_an_unused_variable_after_the_exercise_costs_nothing(attacked):
    net1 = exercise(attacked, "extra-variable", "net1")
    assert net1["score"] == net1["max_score"], net1["checks"]
