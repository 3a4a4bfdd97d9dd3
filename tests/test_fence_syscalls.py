"""The child's kernel fences, syscall by syscall: each test forks a throwaway child that fences
itself as a grading child does (`fences.prepare`, then `fences.apply` on a box of its own) and
reports, as JSON on a pipe, the errno of each attempt.

The attacks are those of a child that stays uid 0 (root, no uid layer): change a file's mode,
owner, times, xattrs or inode flags outside its box; make namespaces; raise its scheduling
priority; read the kernel log; open internet, netlink or vsock sockets; reach a local listener.
The same attempts also run under the seccomp filter alone, in a child that keeps root's
capabilities, to show the filter itself refuses them. What a child must still be able to do
(torch with two threads, threads, fork, socketpair, writing in its box, print) is checked too."""
import ctypes
import errno
import json
import os
import platform
import select
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path

import pytest
from conftest import unix_listeners

from grader import fences

PLAN, MECHANISMS = fences.probe([])
ROOT_KEEPS_UID = os.geteuid() == 0 and PLAN.drop_to_uid is None
OWNER = (os.getuid(), os.getgid())
SHARED_TABLE = platform.machine() in fences._SHARED_TABLE
FS_IOC_GETFLAGS = 0x80086601
FS_IOC_FSGETXATTR, FSXATTR_SIZE = 0x801C581F, 28
SYSLOG_ACTION_READ_ALL = 3
WALL = 0x40000000                 # waitpid(__WALL): also a child whose exit signal is not SIGCHLD
NAMESPACE_FLAGS = {"newns": fences.CLONE_NEWNS, "newcgroup": fences.CLONE_NEWCGROUP, "newuts": fences.CLONE_NEWUTS,
                   "newipc": fences.CLONE_NEWIPC, "newuser": fences.CLONE_NEWUSER, "newpid": fences.CLONE_NEWPID,
                   "newnet": fences.CLONE_NEWNET, "newtime": fences.CLONE_NEWTIME}
FAMILIES = {"inet": socket.AF_INET, "inet6": socket.AF_INET6, "netlink": socket.AF_NETLINK,
            "packet": socket.AF_PACKET, **({"vsock": socket.AF_VSOCK} if hasattr(socket, "AF_VSOCK") else {})}
# Newer calls libseccomp 2.5 cannot name, tried with arguments the kernel would reject: only the
# filter answers EPERM.
NEWER_CALLS = {"setxattrat": (463, -1, 0, 0, 0, 0, 0), "removexattrat": (466, -1, 0, 0, 0),
               "open_tree_attr": (467, -1, 0, 0, 0, 0), "file_setattr": (469, -1, 0, 0, 0, 0)}


def needs(*names):
    missing = [name for name in names if not MECHANISMS[name].active]
    return pytest.mark.skipif(bool(missing), reason=f"not in effect here: {missing}")


def attempt(action) -> str:
    """'ok', or the errno's name (the exception's type where it has none)."""
    try:
        action()
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno)) if error.errno else type(error).__name__
    return "ok"


def make_box(folder) -> str:
    """A box as the runner makes one: where children drop to another uid, in a folder they can
    pass through (the runner's boxes folder is 0711); else beside the test's files."""
    if PLAN.drop_to_uid is None:
        return tempfile.mkdtemp(prefix="box-", dir=folder)
    parent = tempfile.mkdtemp(prefix="boxes-")
    os.chmod(parent, 0o711)
    return tempfile.mkdtemp(prefix="box-", dir=parent)


def run_in_child(body, timeout: float = 60.0) -> dict:
    """Fork; the child runs `body()` and reports the dict it returns (or its traceback)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            try:
                result = body()
            except BaseException:  # noqa: BLE001
                result = {"__error__": traceback.format_exc()}
            os.write(write, json.dumps(result).encode())
        finally:
            os._exit(0)
    os.close(write)
    chunks = []
    try:
        while select.select([read], [], [], timeout)[0]:
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    assert chunks, "the child reported nothing"
    result = json.loads(b"".join(chunks))
    assert "__error__" not in result, result["__error__"]
    return result


def syscall_result(number: int, *args) -> str:
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args])
    return errno.errorcode.get(ctypes.get_errno(), "?") if result < 0 else "ok"


def syscall_number(name: str) -> int:
    import pyseccomp

    return pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)


def raw_clone(flags: int) -> str:
    """clone(2) itself (os.fork goes through glibc): 'ok' when the kernel made the child."""
    libc = ctypes.CDLL(None, use_errno=True)
    number = syscall_number("clone")
    args = (0, flags | signal.SIGCHLD) if platform.machine().startswith("s390") else (flags | signal.SIGCHLD, 0)
    pid = libc.syscall(ctypes.c_long(number), *[ctypes.c_ulong(a) for a in args],
                       ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
    if pid == 0:
        os._exit(0)
    if pid < 0:
        return errno.errorcode.get(ctypes.get_errno(), "?")
    os.waitpid(pid, WALL)
    return "ok"


def attacks(box: str, targets: dict) -> dict[str, str]:
    """Each attack's errno ('ok' where it went through)."""
    libc = ctypes.CDLL(None, use_errno=True)
    outside = targets["outside"]
    inside = os.path.join(box, "mine.txt")
    Path(inside).write_text("mine")
    fd = os.open(inside, os.O_RDWR)
    flags = bytearray(8)
    fsxattr = bytearray(FSXATTR_SIZE)
    try:   # the file's own flags, set back unchanged: only a filter refuses that to its owner
        import fcntl

        fcntl.ioctl(fd, FS_IOC_GETFLAGS, flags)
        fcntl.ioctl(fd, FS_IOC_FSGETXATTR, fsxattr)
    except OSError:
        pass
    flags_buffer = ctypes.create_string_buffer(bytes(flags), 8)
    fsxattr_buffer = ctypes.create_string_buffer(bytes(fsxattr), FSXATTR_SIZE)

    def ioctl(request: int, buffer) -> None:
        if libc.ioctl(fd, ctypes.c_ulong(request), buffer) != 0:
            raise OSError(ctypes.get_errno(), "ioctl")

    def check(result: int) -> None:
        if result < 0:
            raise OSError(ctypes.get_errno(), "")

    def stream_connect() -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(targets["listener"])

    def datagram_sendto() -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as client:
            client.sendto(b"leak", targets["datagram"])

    def socket_of(family: int):
        return lambda: socket.socket(family, socket.SOCK_DGRAM if family != socket.AF_PACKET else socket.SOCK_RAW).close()

    results = {
        "chmod": attempt(lambda: os.chmod(outside, 0o777)),
        "chmod_in_box": attempt(lambda: os.chmod(inside, 0o600)),
        "fchmod_in_box": attempt(lambda: os.fchmod(fd, 0o600)),
        "chown": attempt(lambda: os.chown(outside, *OWNER)),
        "lchown": attempt(lambda: os.chown(outside, *OWNER, follow_symlinks=False)),
        "fchown_in_box": attempt(lambda: os.fchown(fd, *OWNER)),
        "utime": attempt(lambda: os.utime(outside, (1, 1))),
        "utime_now": attempt(lambda: os.utime(outside)),
        "futimens_in_box": attempt(lambda: os.utime(fd, (1, 1))),
        "setxattr": attempt(lambda: os.setxattr(outside, "user.fence", b"x")),
        "removexattr": attempt(lambda: os.removexattr(outside, "user.keep")),
        "fsetxattr_in_box": attempt(lambda: os.setxattr(fd, "user.fence", b"x")),
        "ioctl_setflags": attempt(lambda: ioctl(fences.FS_IOC_SETFLAGS, flags_buffer)),
        "ioctl_setflags_high_bits": attempt(lambda: ioctl(fences.FS_IOC_SETFLAGS | 1 << 32, flags_buffer)),
        "ioctl_setflags32": attempt(lambda: ioctl(fences.FS_IOC32_SETFLAGS, flags_buffer)),
        "ioctl_fssetxattr": attempt(lambda: ioctl(fences.FS_IOC_FSSETXATTR, fsxattr_buffer)),
        "unshare": attempt(lambda: check(libc.unshare(fences.CLONE_NEWUSER | fences.CLONE_NEWNS))),
        **{f"clone_{name}": raw_clone(flag) for name, flag in NAMESPACE_FLAGS.items()},
        "sched_fifo": attempt(lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))),
        "setpriority": attempt(lambda: os.setpriority(os.PRIO_PROCESS, 0, -5)),
        "nice": attempt(lambda: os.nice(-5)),
        "klogctl": attempt(lambda: check(libc.klogctl(SYSLOG_ACTION_READ_ALL, ctypes.create_string_buffer(4096), 4096))),
        **{f"socket_{name}": attempt(socket_of(family)) for name, family in FAMILIES.items()},
        "connect_unix": attempt(stream_connect),
        "sendto_unix": attempt(datagram_sendto),
        "io_uring_setup": syscall_result(syscall_number("io_uring_setup"), 1,
                                         ctypes.addressof(ctypes.create_string_buffer(120))),
    }
    if SHARED_TABLE:
        results["fchmodat2"] = syscall_result(452, -100, ctypes.addressof(ctypes.create_string_buffer(outside.encode())),
                                              0o777, 0)
        results.update({name: syscall_result(*call) for name, call in NEWER_CALLS.items()})
    os.close(fd)
    return results


def still_works(box: str) -> dict[str, object]:
    """What a child must still be able to do, fenced."""
    import torch

    results: dict[str, object] = {}

    def matmul() -> None:
        torch.set_num_threads(2)
        a = torch.ones(128, 128)
        results["torch_sum"] = float((a @ a).sum())
        results["torch_threads"] = torch.get_num_threads()

    def threads() -> None:
        seen = []
        started = [threading.Thread(target=seen.append, args=(n,)) for n in range(4)]
        for thread in started:
            thread.start()
        for thread in started:
            thread.join()
        results["threads_ran"] = sorted(seen)

    def fork() -> None:
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        results["fork_exit"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    def socketpair() -> None:
        left, right = socket.socketpair()
        with left, right:
            left.sendall(b"ping")
            right.send(b"pong")
            results["socketpair_bytes"] = (right.recv(4) + left.recv(4)).decode()

    def write_in_box() -> None:
        path = Path(box, "out.txt")
        path.write_text("written")
        results["box_file"] = path.read_text()

    def run_python() -> None:
        done = subprocess.run([sys.executable, "-S", "-c", "print(6 * 7)"], capture_output=True, timeout=20)
        results["subprocess_output"] = done.stdout.decode().strip()

    for name, action in {"matmul": matmul, "threads": threads, "fork": fork, "socketpair": socketpair,
                         "write_in_box": write_in_box, "subprocess": run_python,
                         "print": lambda: print("fenced child says hello", flush=True)}.items():
        results[name] = attempt(action)
    return results


def capability_state() -> dict[str, object]:
    libc = ctypes.CDLL(None, use_errno=True)
    bounding = [cap for cap in range(64) if libc.prctl(fences.PR_CAPBSET_READ, ctypes.c_ulong(cap), 0, 0, 0) == 1]
    return {"capget": list(fences.capabilities()), "bounding": bounding,
            "no_new_privs": libc.prctl(39, 0, 0, 0, 0)}   # PR_GET_NO_NEW_PRIVS


@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    """A file outside every box, with an xattr; a stream listener and a datagram socket outside."""
    __import__("torch")   # imported before the fork, as the warm worker does

    folder = tmp_path_factory.mktemp("fence")
    outside = folder / "outside.txt"
    outside.write_text("not yours")
    os.chmod(outside, 0o644)
    os.utime(outside, (1_000_000, 1_000_000))
    try:
        os.setxattr(outside, "user.keep", b"1")
    except OSError:
        pass   # a file system without user xattrs: setxattr still has to be refused
    listener, datagram = unix_listeners(folder)
    yield {"folder": str(folder), "outside": str(outside), "listener": str(folder / "l.sock"), "datagram": str(folder / "d.sock"),
           "listener_socket": listener, "datagram_socket": datagram}
    listener.close()
    datagram.close()


def _paths(targets: dict) -> dict:
    return {key: value for key, value in targets.items() if isinstance(value, str)}


def _metadata(path: str) -> tuple:
    info = os.stat(path)
    try:
        xattrs = sorted((name, os.getxattr(path, name)) for name in os.listxattr(path))
    except OSError:
        xattrs = []
    return stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid, info.st_mtime_ns, info.st_atime_ns, xattrs


@pytest.fixture(scope="module")
def fenced(targets):
    """One child fenced as a grading child: every attack, what must still work, its capabilities,
    and what it printed."""
    paths = _paths(targets)
    before = _metadata(paths["outside"])
    out_read, out_write = os.pipe()

    def body() -> dict:
        os.dup2(out_write, 1)
        sys.stdout = open(1, "w", closefd=False)   # pytest's capture replaced sys.stdout: print to fd 1, as a child does
        box = make_box(paths["folder"])
        fences.prepare(PLAN)
        fences.apply(PLAN, box, os.getpid())
        return {"attacks": attacks(box, paths), "works": still_works(box), "caps": capability_state()}

    try:
        result = run_in_child(body)
    finally:
        os.close(out_write)
        with os.fdopen(out_read, "rb") as stream:
            printed = stream.read().decode()
    result["printed"] = printed
    result["metadata"] = (before, _metadata(paths["outside"]))
    return result


@pytest.fixture(scope="module")
def filter_only(targets):
    """The CPU filter alone, loaded by a child that keeps root's capabilities and has no Landlock:
    a refusal here is the filter's, not the capabilities' or Landlock's."""
    paths = _paths(targets)

    def body() -> dict:
        box = make_box(paths["folder"])
        fences.prepare(PLAN, gpu=False)
        fences._seccomp_filter(False).load()
        return {"attacks": attacks(box, paths)}

    return run_in_child(body)


def assert_no_connection(targets: dict) -> None:
    with pytest.raises(BlockingIOError):
        targets["listener_socket"].accept()[0].close()
    with pytest.raises(BlockingIOError):
        targets["datagram_socket"].recv(16)


REFUSED = ["chmod", "chmod_in_box", "fchmod_in_box", "chown", "lchown", "fchown_in_box", "utime", "utime_now",
           "futimens_in_box", "setxattr", "removexattr", "fsetxattr_in_box", "ioctl_setflags",
           "ioctl_setflags_high_bits", "ioctl_setflags32", "ioctl_fssetxattr", "unshare",
           *[f"clone_{name}" for name in NAMESPACE_FLAGS], "sched_fifo", "setpriority", "nice", "klogctl",
           *[f"socket_{name}" for name in FAMILIES], "connect_unix", "sendto_unix", "io_uring_setup",
           *(["fchmodat2", *NEWER_CALLS] if SHARED_TABLE else [])]


@needs("seccomp")
@pytest.mark.parametrize("attack", REFUSED)
def test_fenced_child_is_refused(fenced, attack):
    assert fenced["attacks"][attack] == "EPERM", fenced["attacks"]


@needs("seccomp")
@pytest.mark.skipif(os.geteuid() != 0, reason="only root could do these without the filter")
@pytest.mark.parametrize("attack", REFUSED)
def test_filter_alone_refuses_what_root_could_do(filter_only, attack):
    assert filter_only["attacks"][attack] == "EPERM", filter_only["attacks"]


@needs("seccomp")
def test_outside_file_and_listeners_are_untouched(fenced, filter_only, targets):
    before, after = fenced["metadata"]
    assert after == before
    assert _metadata(targets["outside"]) == before   # the filter-only child changed nothing either
    assert_no_connection(targets)


def test_fenced_child_still_works(fenced):
    works = fenced["works"]
    assert {name: works[name] for name in ("matmul", "threads", "fork", "socketpair", "write_in_box",
                                           "subprocess", "print")} == dict.fromkeys(
        ("matmul", "threads", "fork", "socketpair", "write_in_box", "subprocess", "print"), "ok"), works
    assert works["torch_sum"] == 128.0 ** 3 and works["torch_threads"] == 2
    assert works["threads_ran"] == [0, 1, 2, 3]
    assert works["fork_exit"] == 7
    assert works["socketpair_bytes"] == "pingpong"
    assert works["box_file"] == "written"
    assert works["subprocess_output"] == "42"
    assert "fenced child says hello" in fenced["printed"]


@pytest.mark.skipif(not ROOT_KEEPS_UID, reason="children drop to another uid (or the grader is not root)")
@needs("capabilities")
def test_child_that_stays_root_holds_no_capabilities(fenced):
    assert fenced["caps"] == {"capget": [0, 0, 0], "bounding": [], "no_new_privs": 1}


@pytest.mark.skipif(not ROOT_KEEPS_UID, reason="children drop to another uid (or the grader is not root)")
@needs("capabilities")
def test_proc_status_shows_no_capabilities(tmp_path):
    """Landlock keeps a CPU child out of /proc: read it with every fence but Landlock."""
    plan = PLAN.model_copy(update={"landlock": False})

    def body() -> dict:
        box = make_box(tmp_path)
        fences.apply(plan, box, os.getpid())
        Path(box, "after.txt").write_text("root-owned box, still writable")
        lines = Path("/proc/self/status").read_text().splitlines()
        return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)
                if key in ("Uid", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")}

    status = run_in_child(body)
    assert status["Uid"].split()[:2] == ["0", "0"]
    assert {key: int(status[key], 16) for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")} == dict.fromkeys(
        ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"), 0)
    assert status["NoNewPrivs"] == "1"


@needs("landlock")
@pytest.mark.skipif(fences.landlock_abi() < 6, reason="Landlock signal scoping needs ABI 6")
def test_child_signals_only_its_own_processes(tmp_path):
    """Without a PID namespace a uid-0 child sees the grader: it may not signal it, only its own."""
    plan = PLAN.model_copy(update={"namespaces": False})
    grader_pid = os.getpid()

    def body() -> dict:
        box = make_box(tmp_path)
        fences.apply(plan, box, os.getpid())
        pid = os.fork()
        if pid == 0:
            signal.pause()
            os._exit(0)
        own = attempt(lambda: os.kill(pid, signal.SIGKILL))
        os.waitpid(pid, 0)
        return {"grader": attempt(lambda: os.kill(grader_pid, 0)), "own": own}

    assert run_in_child(body) == {"grader": "EPERM", "own": "ok"}


@needs("seccomp")
def test_gpu_filter_keeps_unix_connect_and_sendto(tmp_path):
    """The GPU child's filter keeps connect and sendto (the CUDA driver may need them) and still
    refuses internet sockets and namespace clones."""
    listener, datagram = unix_listeners(tmp_path)

    def body() -> dict:
        fences.prepare(PLAN, gpu=True)
        fences._seccomp_filter(True).load()

        def connect() -> None:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.connect(str(tmp_path / "l.sock"))
                client.sendall(b"hi")

        def sendto() -> None:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as client:
                client.sendto(b"hi", str(tmp_path / "d.sock"))

        return {"connect": attempt(connect), "sendto": attempt(sendto),
                "inet": attempt(lambda: socket.socket(socket.AF_INET).close()),
                "clone_newnet": raw_clone(fences.CLONE_NEWNET),
                "chmod": attempt(lambda: os.chmod(tmp_path, 0o700))}

    with listener, datagram:
        result = run_in_child(body)
        listener.settimeout(5)
        connection, _ = listener.accept()
        connection.close()
        datagram.settimeout(5)
        assert datagram.recv(16) == b"hi"
    assert result == {"connect": "ok", "sendto": "ok", "inet": "EPERM", "clone_newnet": "EPERM", "chmod": "EPERM"}


@needs("seccomp")
def test_prepare_builds_the_filters_a_child_will_load():
    fences._seccomp_filter.cache_clear()
    fences.prepare(PLAN)
    assert fences._seccomp_filter.cache_info().currsize == 2    # CPU and GPU: either child may come
    fences._seccomp_filter.cache_clear()
    fences.prepare(PLAN, gpu=True)
    assert fences._seccomp_filter.cache_info().currsize == 1
    fences.prepare(PLAN)


def test_probe_describes_capabilities():
    mechanism = MECHANISMS["capabilities"]
    assert mechanism.detail
    if ROOT_KEEPS_UID and mechanism.active:
        assert "uid 0" in mechanism.detail and "Landlock" in mechanism.detail and "chmod" in mechanism.detail
