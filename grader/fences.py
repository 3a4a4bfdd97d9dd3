"""Kernel fences a child puts up before student code runs, and the probe that finds them.

Layers, each used where the machine has it (`probe()` says which, and how to get the rest):
- namespaces: own PID and network namespaces (and a user namespace when not root). The
  student's code runs as PID 1 of its namespace, so every process it starts, double-forked
  daemons included, dies with it; the network has no interface but a loopback that is down.
- uid: as root, the child drops to an unprivileged uid, so process-count limits bind.
- Landlock: reads only below the Python installation and system folders, writes only in the
  child's own box (never reference/, the grader's folder, other students or the report);
  from ABI 6, signals only to the child's own processes.
- capabilities: a child that stays uid 0 (no uid layer) drops every capability, so uid 0 means
  no more than an owner's rights over root-owned files, which Landlock bounds.
- seccomp: no ptrace, mounts, namespaces, kernel modules, BPF, io_uring; no chmod, chown,
  timestamps, xattr or inode-flag writes, scheduling or priority changes, kernel log; sockets
  only of AF_UNIX, and (off the GPU) no connect and no send to an address.
"""
from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform
import resource
import site
import socket
import sys
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, Field

from grader import cgroups
from grader.cgroups import Layout
from grader.gpu import device_files

CLONE_NEWTIME = 0x00000080
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACE_CLONE_FLAGS = (CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                         CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWTIME)
# ioctl requests that set inode flags (immutable, append-only, ...) or the extended fsxattr flags.
FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS, FS_IOC_FSSETXATTR = 0x40086602, 0x40046602, 0x401c5820
PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 23, 24, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
CAP_SETPCAP = 8
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_RESTRICT_SELF = 444, 446   # the same on every architecture
LANDLOCK_SCOPE_SIGNAL = 0x2
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18
UNPRIVILEGED_UID = 65534          # "nobody": what an unprivileged user can read is probed as this uid
# As root, a child runs as CHILD_UIDS + its worker's pid: a uid of its own, so the processes of one
# child (a fork bomb's) never count against the process limit of a child running beside it. The
# range starts above systemd's container ranges (up to 0x6FFFFFFF) and below the signed limit.
CHILD_UIDS = 0x70000000
PROCESS_LIMIT = 256               # per uid, threads included


class Plan(BaseModel):
    """Which fences a child puts up; decided once per run by the grading process."""

    namespaces: bool = False
    own_proc: bool = Field(False, description="A child in its own PID namespace can mount a /proc of it (CUDA needs one).")
    drop_to_uid: int | None = Field(None, description="First of the unprivileged uids children run as (plus their worker's pid).")
    landlock: bool = False
    seccomp: bool = False
    cgroups: Layout | None = Field(None, description="Where each child's memory and process limits go.")
    hide: list[str] = Field(default_factory=list, description="Folders no child may read (reference/, the class).")
    spawn: bool = Field(False, description="Children are fresh interpreters, not forks of a warm worker, and put up "
                                           "no kernel fence: where fork is unsafe (macOS) or NUMGRADER_SPAWN=1.")

    def pid_namespace(self, gpu: bool) -> bool:
        """Does a child get its own PID namespace? One on the GPU only where it can mount its own
        /proc there: the driver looks the process up in /proc by the PID it is told."""
        return self.namespaces and (not gpu or self.own_proc)


class Mechanism(BaseModel):
    active: bool
    detail: str = ""
    how_to_enable: str = ""


class Isolation(BaseModel):
    """The isolation in effect for a run: reported in the JSON report and the banner."""

    level: str = Field(description="process < fenced (Landlock and seccomp) < contained (and namespaces)")
    uid: int
    mechanisms: dict[str, Mechanism]
    limits: dict[str, str]


LEVELS = ("process", "fenced", "contained")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    try:
        import landlock

        return landlock.landlock_abi_version()
    except Exception:  # noqa: BLE001 - no module, no syscall, disabled at boot: all mean "none"
        return 0


def seccomp_available() -> str | None:
    """None when a seccomp filter can be built here, else why not."""
    try:
        import pyseccomp  # noqa: F401 - loads libseccomp.so.2
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}"
    return None


def namespace_flags() -> int:
    flags = CLONE_NEWPID | CLONE_NEWNET
    return flags if os.geteuid() == 0 else flags | CLONE_NEWUSER


def _succeeds_in_child(attempt: Callable[[], bool]) -> bool:
    """Run `attempt` in a throwaway child: only trying proves what the kernel and its policy allow,
    and whatever the attempt changes (namespaces, uid, mounts) ends with the child."""
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(0 if attempt() else 1)
        except BaseException:  # noqa: BLE001
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def namespaces_available() -> bool:
    return _succeeds_in_child(lambda: _libc().unshare(namespace_flags()) == 0)


def own_proc_available() -> bool:
    """Can a child in new PID and mount namespaces mount the /proc that shows them? (Not where
    /proc is partly covered, as in many containers, for a user without root.)"""
    def mount() -> bool:
        _mount_own_proc()
        return True

    def in_new_namespaces() -> bool:   # the mount is tried by PID 1 of the new PID namespace
        return _libc().unshare(namespace_flags() | CLONE_NEWNS) == 0 and _succeeds_in_child(mount)

    return _succeeds_in_child(in_new_namespaces)


def child_uid_base(uid_map: Path = Path("/proc/self/uid_map"), pid_max_file: Path = Path("/proc/sys/kernel/pid_max")) -> int:
    """CHILD_UIDS where this user namespace maps a uid for every possible worker pid; else
    UNPRIVILEGED_UID, shared by all children (root in a container that maps only 65536 uids)."""
    try:
        pid_max = int(pid_max_file.read_text())
        for line in uid_map.read_text().splitlines():
            inside, _, count = (int(field) for field in line.split())
            if inside <= CHILD_UIDS and CHILD_UIDS + pid_max <= inside + count:
                return CHILD_UIDS
    except (OSError, ValueError):
        pass
    return UNPRIVILEGED_UID


def unprivileged_can_run_python(uid: int) -> bool:
    """After dropping to `uid`, can the child still read the Python installation (lazy imports)?
    Not when Python lives under a private home such as /root (pyenv). The folders are listed
    here, as the grader sees them: seen from `uid`, one it cannot even stat would look absent."""
    reads = _reads_python()

    def as_uid() -> bool:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        return reads()

    return _succeeds_in_child(as_uid)


def _reads_python() -> Callable[[], bool]:
    """A test, to run after dropping rights, that the folders the child reads are still readable.
    The folders are listed before (by the grader's own sight): after, one that cannot even be
    stat-ed would look absent and be skipped."""
    folders = [path for path in readable_roots(()) if os.path.isdir(path)]
    return lambda: all(os.access(path, os.R_OK | os.X_OK) for path in folders)


def capabilities_droppable() -> str | None:
    """None when a child can drop every capability here (as `apply` does for children that stay
    uid 0), else why not."""
    def drop() -> bool:
        drop_capabilities()
        return True

    reads = _reads_python()

    def still_reads_python() -> bool:   # an owner's rights, no longer root's: the folders must allow them
        drop_capabilities()
        return reads()

    if not _succeeds_in_child(drop):
        return "dropping them failed in a test child"
    if not _succeeds_in_child(still_reads_python):
        return "without them, uid 0 could not read the Python installation"
    return None


def _uid0_without_capabilities(abi: int, seccomp: bool) -> str:
    """What a child that stays uid 0 without capabilities may still do, in words."""
    bounds = []
    if abi:
        bounds.append("Landlock limits its writes to the child's box and its reads to the listed folders"
                      + (", its signals to the child's own processes" if abi >= 6 else ""))
    if seccomp:
        bounds.append("seccomp refuses chmod, chown, timestamps, xattrs and inode flags")
    return ("children stay uid 0 but hold no capabilities (every set emptied, no_new_privs). Uid 0 then means "
            "only an owner's rights over root-owned files and signals to root's processes in view"
            + (": " + "; ".join(bounds) if bounds else ", with no Landlock or seccomp here to bound them"))


def spawn_required() -> str | None:
    """Why children must be spawned, not forked from a warm worker: off Linux a process that
    loaded torch cannot be forked safely, and the kernel fences below are Linux's; or the
    instructor asked for it (NUMGRADER_SPAWN=1). None: fork."""
    if sys.platform != "linux":
        return f"{sys.platform}: forking a process that loaded torch is unsafe here, and the kernel fences are Linux's"
    if os.environ.get("NUMGRADER_SPAWN") == "1":
        return "NUMGRADER_SPAWN=1"
    return None


def spawned_plan(hide: list[Path], why: str) -> tuple[Plan, dict[str, Mechanism]]:
    """The spawn path: a fresh interpreter per (submission, exercise), isolation `process`."""
    off = "not on the spawn path: grade on Linux (kernel ≥ 5.13) without NUMGRADER_SPAWN"
    mechanisms = {"process": Mechanism(active=True, detail=f"spawn ({why}): a fresh interpreter per (submission, exercise) "
                                                           "(it imports torch itself, ~3 s each), own session and process "
                                                           "group, cleared environment, private copy, rlimits")}
    for name in ("landlock", "seccomp", "namespaces", "uid", "capabilities", "cgroups"):
        mechanisms[name] = Mechanism(active=False, how_to_enable=off)
    return Plan(spawn=True, hide=[str(p.resolve()) for p in hide]), mechanisms


def probe(hide: list[Path]) -> tuple[Plan, dict[str, Mechanism]]:
    """What this machine offers, as a plan for the children and a description for the report."""
    why = spawn_required()
    if why is not None:
        return spawned_plan(hide, why)
    root = os.geteuid() == 0
    uids = child_uid_base()
    drop = root and unprivileged_can_run_python(uids)
    abi = landlock_abi()
    no_seccomp = seccomp_available()
    spaces = namespaces_available()
    layout, no_cgroups = cgroups.find()
    own_proc = spaces and own_proc_available()
    keeps_root = root and not drop
    no_caps = capabilities_droppable() if keeps_root else None
    plan = Plan(namespaces=spaces, own_proc=own_proc, drop_to_uid=uids if drop else None,
                landlock=abi > 0, seccomp=no_seccomp is None, cgroups=layout, hide=[str(p.resolve()) for p in hide])
    mechanisms = {
        "process": Mechanism(active=True, detail="a process per (submission, exercise), own session and process "
                                                 "group, cleared environment, private copy, rlimits"),
        "landlock": Mechanism(active=abi > 0, detail=f"ABI {abi}: reads below Python and system folders only, "
                                                     "writes only in the child's box"
                                                     + (", signals only to the child's own processes" if abi >= 6 else "")
                                                     if abi else "",
                              how_to_enable="" if abi else "a Linux kernel ≥ 5.13 with Landlock enabled "
                                                           "(CONFIG_SECURITY_LANDLOCK, lsm=…,landlock)"),
        "seccomp": Mechanism(active=no_seccomp is None, detail="refused: ptrace, mounts, namespaces (unshare, setns, "
                                                              "clone with a namespace flag), modules, BPF, io_uring; "
                                                              "chmod, chown, timestamps, xattr and inode-flag writes; "
                                                              "scheduling policy and priority, the kernel log; sockets "
                                                              "other than AF_UNIX, and off the GPU connect, sendmsg and "
                                                              "sendto an address" if no_seccomp is None else "",
                             how_to_enable="" if no_seccomp is None else
                             f"install libseccomp (Debian/Ubuntu: apt-get install libseccomp2) and pyseccomp ({no_seccomp})"),
        "namespaces": Mechanism(active=spaces, detail="own PID and network namespace" + ("" if root else " in a user namespace")
                                + ("" if own_proc else "; children on the GPU keep the machine's PID namespace (a /proc "
                                                       "of their own cannot be mounted here)")
                                if spaces else "",
                                how_to_enable="" if spaces else
                                "allow unprivileged user namespaces: sysctl -w kernel.unprivileged_userns_clone=1 "
                                "(Debian) or kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu ≥ 23.10), or run as root"),
        "uid": Mechanism(active=drop, detail=(f"children run as uid {uids} + their worker's pid, a uid each, with at most "
                                              f"{PROCESS_LIMIT} processes" if uids == CHILD_UIDS else
                                              f"children run as uid {uids}, sharing one limit of {PROCESS_LIMIT} processes "
                                              "(this user namespace maps too few uids to give each worker its own)")
                         if drop else f"children run as uid {os.geteuid()}",
                         how_to_enable="" if drop else
                         "run the grader as root with Python installed where an unprivileged user can read it "
                         "(/usr/local or a virtual environment outside /root), so children drop to unprivileged uids"),
        "capabilities": Mechanism(
            active=not keeps_root or no_caps is None,
            detail=(_uid0_without_capabilities(abi, no_seccomp is None) if keeps_root else
                    "children run as an unprivileged uid, so they hold no capabilities" if root else
                    f"the grader runs as uid {os.geteuid()}: children hold no capabilities outside their own user "
                    "namespace, and drop those too") if not keeps_root or no_caps is None else
                   f"children stay uid 0 with root's capabilities ({no_caps})",
            how_to_enable="" if not keeps_root or no_caps is None else
            "run the grader where root holds CAP_SETPCAP, or let children drop to unprivileged uids "
            "(Python installed outside /root)"),
        "cgroups": Mechanism(active=layout is not None,
                             detail=f"cgroup {layout.version}: at most {PROCESS_LIMIT} processes and the exercise's "
                                    "memory per child" if layout else no_cgroups,
                             how_to_enable="" if layout else "run as root on a machine whose pids and memory cgroups "
                                                             "are writable (or delegated to the grader's user)"),
    }
    return plan, mechanisms


def level(plan: Plan) -> str:
    if plan.landlock and plan.seccomp:
        return "contained" if plan.namespaces else "fenced"
    return "process"


# --- in the child ------------------------------------------------------------------------------

class WorkerNamespaces:
    """As root, the worker itself leaves the network once and, before each fork, asks for a new PID
    namespace for its next child (then returns to its own): the child is born as PID 1, with no
    second fork in the child. Without root, the child does it itself (see `apply`)."""

    def __init__(self) -> None:
        self.own_pid_namespace: int | None = None

    def usable(self, plan: Plan, gpu: bool = False) -> bool:
        return os.geteuid() == 0 and plan.pid_namespace(gpu)

    def before_fork(self) -> None:
        libc = _libc()
        if self.own_pid_namespace is None:
            if libc.unshare(CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
            self.own_pid_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY)
        if libc.unshare(CLONE_NEWPID) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWPID) failed")

    def after_fork(self) -> None:
        if _libc().setns(self.own_pid_namespace, CLONE_NEWPID) != 0:
            raise OSError(ctypes.get_errno(), "setns back to the worker's PID namespace failed")


def prepare(plan: Plan, gpu: bool | None = None) -> None:
    """In the warm worker, once: build what every child only has to load. Work done after the
    fork costs more, since each page it touches is copied for the child. `gpu`: the filter for
    children on the GPU (True), on the CPU (False), or both (None)."""
    if plan.seccomp:
        for on_gpu in (False, True) if gpu is None else (gpu,):
            _seccomp_filter(on_gpu)
    readable_roots(tuple(plan.hide))


def child_uid(plan: Plan, worker_pid: int) -> int | None:
    if plan.drop_to_uid is None:
        return None
    return plan.drop_to_uid + worker_pid if plan.drop_to_uid == CHILD_UIDS else plan.drop_to_uid


def apply(plan: Plan, box: str, worker_pid: int, in_namespaces: bool = False, gpu: bool = False) -> None:
    """Put up the planned fences. With namespaces (unless the worker already gave the child its
    own, `in_namespaces`) this forks: the caller continues as PID 1 of a new PID namespace while
    the original process waits for it and exits with its status. (Cgroups are the worker's.)
    A child that runs on the GPU may also use the driver's devices and read /proc and /sys.
    On the spawn path there is nothing to put up."""
    if plan.spawn:
        return
    if plan.cgroups is not None:
        # In its worker's group, the child, not the worker, is the one to go when memory runs out.
        Path("/proc/self/oom_score_adj").write_text("1000")
    own_pid_namespace = plan.pid_namespace(gpu)
    if plan.namespaces and not in_namespaces:
        _enter_namespaces(own_pid_namespace, own_mounts=gpu and own_pid_namespace)
    if gpu and own_pid_namespace:
        if in_namespaces and _libc().unshare(CLONE_NEWNS) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) failed")
        _mount_own_proc()
    uid = child_uid(plan, worker_pid)
    if uid is not None:
        _drop_privileges(box, uid)
    else:
        if os.geteuid() != 0:
            _limit_own_processes()
        # Uid 0 (or root of its own user namespace): mounts are done, nothing further needs a capability.
        drop_capabilities()
    if plan.landlock:
        _landlock(box, tuple(plan.hide), gpu)
    if plan.seccomp:
        _seccomp_filter(gpu).load()


def _enter_namespaces(own_pid_namespace: bool = True, own_mounts: bool = False) -> None:
    flags = namespace_flags()
    if not own_pid_namespace:
        flags &= ~CLONE_NEWPID
    if own_mounts:
        flags |= CLONE_NEWNS
    if _libc().unshare(flags) != 0:
        raise OSError(ctypes.get_errno(), "unshare failed")
    if not own_pid_namespace:
        return
    pid = os.fork()
    if pid:
        # The waiting parent: when the namespace's PID 1 ends, the kernel kills every process left in it.
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        os._exit(code if code >= 0 else 128 - code)


def _mount_own_proc() -> None:
    """In new PID and mount namespaces: a /proc that shows this namespace, the mount kept from the host."""
    libc = _libc()
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "making the mounts private failed")
    if libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) != 0:
        raise OSError(ctypes.get_errno(), "mounting /proc failed")


def _drop_privileges(box: str, uid: int) -> None:
    for folder, dirs, files in os.walk(box):
        for name in [folder] + [os.path.join(folder, n) for n in dirs + files]:
            os.chown(name, uid, uid, follow_symlinks=False)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    resource.setrlimit(resource.RLIMIT_NPROC, (PROCESS_LIMIT, PROCESS_LIMIT))


def _limit_own_processes() -> None:
    """Not root: RLIMIT_NPROC counts all of this user's processes, so allow what runs already plus
    the child's share (a fork bomb then fails instead of filling the user's process table)."""
    uid = os.getuid()
    running = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                running += entry.stat().st_uid == uid
            except OSError:
                continue
    limit = running * 4 + PROCESS_LIMIT   # threads count too: a generous allowance for the user's own
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_NPROC, (limit, hard))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _prctl(libc: ctypes.CDLL, option: int, arg: int = 0) -> int:
    return libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def _last_capability() -> int:
    try:
        return int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        return 63   # the bounding-set loop below stops at the first the kernel does not know


def capabilities() -> tuple[int, int, int]:
    """(effective, permitted, inheritable) of the calling thread, as capget(2) gives them."""
    header, data = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    libc = _libc()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    return tuple(getattr(data[0], field) | getattr(data[1], field) << 32
                 for field in ("effective", "permitted", "inheritable"))


def drop_capabilities() -> None:
    """Give up every capability for good: no_new_privs (an execve grants none back, a setuid file
    included), the bounding and ambient sets emptied, then effective, permitted and inheritable."""
    libc = _libc()
    if _prctl(libc, PR_SET_NO_NEW_PRIVS, 1) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if capabilities()[0] >> CAP_SETPCAP & 1:   # without CAP_SETPCAP the bounding set cannot shrink (no_new_privs holds)
        for cap in range(_last_capability() + 1):
            held = _prctl(libc, PR_CAPBSET_READ, cap)
            if held < 0:
                if ctypes.get_errno() == errno.EINVAL:   # past the kernel's last capability
                    break
                raise OSError(ctypes.get_errno(), f"prctl(PR_CAPBSET_READ, {cap}) failed")
            if held and _prctl(libc, PR_CAPBSET_DROP, cap) != 0:
                raise OSError(ctypes.get_errno(), f"prctl(PR_CAPBSET_DROP, {cap}) failed")
    if libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), ctypes.c_ulong(0), ctypes.c_ulong(0),
                  ctypes.c_ulong(0)) != 0 and ctypes.get_errno() != errno.EINVAL:   # EINVAL: a kernel before 4.3
        raise OSError(ctypes.get_errno(), "prctl(PR_CAP_AMBIENT_CLEAR_ALL) failed")
    header, data = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    if any(capabilities()):
        raise OSError(errno.EPERM, "capabilities remain after capset")


# What programs read of /etc (the loader's cache, time zone, users and groups, name service and
# MIME tables, the system's name): not /etc as a whole, where a child that stays uid 0 could read
# /etc/shadow or an instructor's secret.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "passwd", "group",
             "nsswitch.conf", "host.conf", "hosts", "gai.conf", "protocols", "services", "mime.types",
             "os-release", "debian_version", "locale.alias", "alternatives", "fonts", "matplotlibrc")


@functools.lru_cache(maxsize=8)
def readable_roots(hide: tuple[str, ...]) -> list[str]:
    """Folders the child may read: the Python installation, site-packages and system folders, but
    none that contains a hidden folder (reference/, the class). Not the grader's own package: the
    child's modules are imported by the warm worker before it forks, and the probes, judges and
    instructors' files are none of the child's business (where the grader is installed inside
    site-packages, its files are readable with the rest of it)."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages(),
                  "/usr", "/lib", "/lib64", "/bin"}
    hidden = [Path(h) for h in hide]
    roots = []
    for candidate in candidates:
        path = Path(candidate)
        if path.exists() and not any(h == path or path in h.parents for h in hidden):
            roots.append(str(path))
    return sorted(roots)


def _landlock(box: str, hide: tuple[str, ...], gpu: bool) -> None:
    import landlock

    read = landlock.FSAccess.READ_FILE | landlock.FSAccess.READ_DIR | landlock.FSAccess.EXECUTE
    ruleset = landlock.Ruleset()
    ruleset.allow(*readable_roots(hide), rules=read)
    if gpu:
        # The driver reads its parameters and the PCI topology, and writes to its own /proc entry;
        # Landlock still keeps the child from other processes' /proc entries (ptrace-mode access).
        ruleset.allow(*[path for path in ("/proc", "/sys") if os.path.isdir(path)], rules=read)
        ruleset.allow("/proc/self")
        for device in device_files():   # files take only file rights; /dev/nvidia-caps is a folder
            rights = landlock.FSAccess.all_file() | (landlock.FSAccess.READ_DIR if os.path.isdir(device) else 0)
            ruleset.allow(device, rules=rights)
    for name in ETC_FILES:
        path = os.path.join("/etc", name)
        if os.path.exists(path):
            ruleset.allow(path, rules=read if os.path.isdir(path) else landlock.FSAccess.READ_FILE)
    for path, rules in (("/proc/cpuinfo", landlock.FSAccess.READ_FILE), ("/sys/devices/system/cpu", read),
                        ("/dev/null", landlock.FSAccess.READ_FILE | landlock.FSAccess.WRITE_FILE),
                        ("/dev/urandom", landlock.FSAccess.READ_FILE)):
        if os.path.exists(path):
            ruleset.allow(path, rules=rules)
    ruleset.allow(box)
    ruleset.apply()
    if landlock.landlock_abi_version() >= 6:
        _landlock_scope_signals()


class _ScopedRulesetAttr(ctypes.Structure):   # struct landlock_ruleset_attr as of ABI 6
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


def _landlock_scope_signals() -> None:
    """A second Landlock layer (ABI ≥ 6; the `landlock` package sets file rights only): signals
    only to processes of the child's own domain. A uid-0 child outside a PID namespace of its own
    could otherwise signal every uid-0 process it sees, the grader's included."""
    libc = _libc()
    attr = _ScopedRulesetAttr(0, 0, LANDLOCK_SCOPE_SIGNAL)
    fd = libc.syscall(ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET), ctypes.byref(attr),
                      ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0))
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset (scoped) failed")
    try:
        if libc.syscall(ctypes.c_long(SYS_LANDLOCK_RESTRICT_SELF), ctypes.c_int(fd), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self (scoped) failed")
    finally:
        os.close(fd)


# Refused outright (EPERM). Names libseccomp or this architecture does not know are skipped, but
# for those in _NEWER_CALLS, which libseccomp 2.5 predates: added by their number where it holds.
_REFUSED_CALLS = (
    # other processes, mounts and namespaces, the kernel itself
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "mount", "umount", "umount2",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "open_tree_attr", "mount_setattr",
    "unshare", "setns", "pivot_root", "chroot", "open_by_handle_at", "bpf", "perf_event_open", "kexec_load",
    "kexec_file_load", "init_module", "finit_module", "delete_module", "keyctl", "add_key", "request_key",
    "syslog", "io_uring_setup", "io_uring_enter", "io_uring_register",   # io_uring would bypass the socket rules
    # a file's metadata: mode, owner, times, extended attributes, inode flags
    "chmod", "fchmod", "fchmodat", "fchmodat2",
    "chown", "fchown", "lchown", "fchownat", "chown32", "fchown32", "lchown32",
    "utime", "utimes", "utimensat", "futimesat", "utimensat_time64",
    "setxattr", "lsetxattr", "fsetxattr", "setxattrat", "removexattr", "lremovexattr", "fremovexattr",
    "removexattrat", "file_setattr",
    # scheduling: a real-time policy or a higher priority would starve the other children, and a
    # session or process group of its own would be a scheduler group of its own (autogroup), the
    # CPU then shared per group: 300 sessions would take 300 shares
    "sched_setscheduler", "sched_setattr", "setpriority", "setsid", "setpgid",
    # System V IPC: memory, queues and semaphores outlive the process that made them
    "shmget", "shmat", "shmctl", "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl",
    "semget", "semop", "semtimedop", "semctl", "ipc",
)
_NEWER_CALLS = {"fchmodat2": 452, "setxattrat": 463, "removexattrat": 466, "open_tree_attr": 467, "file_setattr": 469}
# Architectures whose syscall numbers from 424 on are the shared table's (not alpha, mips, ia64).
_SHARED_TABLE = {"x86_64", "aarch64", "riscv64", "ppc64le", "ppc64", "s390x", "loongarch64"}
_SENDING_CALLS = ("connect", "sendmsg", "sendmmsg")   # off the GPU; sendto only to an address


def _syscall_number(sc, name: str) -> int | None:
    number = sc.resolve_syscall(sc.Arch.NATIVE, name)
    if number < 0 and platform.machine() in _SHARED_TABLE:
        number = _NEWER_CALLS.get(name, -1)
    return number if number >= 0 else None


@functools.lru_cache(maxsize=2)
def _seccomp_filter(gpu: bool = False):
    """The child's seccomp filter: everything allowed but what it names. A child on the GPU keeps
    connect, sendmsg and sendto, which the CUDA driver may use on its AF_UNIX sockets."""
    import pyseccomp as sc

    refuse = sc.ERRNO(errno.EPERM)
    fence = sc.SyscallFilter(sc.ALLOW)

    def add(action: int, name: str, *args: Any) -> None:
        number = _syscall_number(sc, name)
        if number is not None:
            fence.add_rule(action, number, *args)

    for call in _REFUSED_CALLS:
        add(refuse, call)
    # glibc tries clone3 first and falls back to clone on ENOSYS: clone3's flags sit in memory that
    # seccomp cannot read, clone's are an argument (the second on s390).
    add(sc.ERRNO(errno.ENOSYS), "clone3")
    flags = 1 if platform.machine().startswith("s390") else 0
    for flag in NAMESPACE_CLONE_FLAGS:
        add(refuse, "clone", sc.Arg(flags, sc.MASKED_EQ, flag, flag))
    for request in (FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS, FS_IOC_FSSETXATTR):
        # the kernel reads the request as 32 bits: whatever is set above them must not dodge the rule
        add(refuse, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
    for call in ("socket", "socketpair"):
        add(refuse, call, sc.Arg(0, sc.NE, socket.AF_UNIX))
    if not gpu:
        for call in _SENDING_CALLS:
            add(refuse, call)
        add(refuse, "sendto", sc.Arg(4, sc.NE, 0))   # send() is sendto without an address: kept
    return fence
