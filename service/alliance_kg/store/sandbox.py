"""Take the network and unbounded memory away from the code that evaluates a client's SPARQL.

Oxigraph evaluates ``SERVICE`` (and an update's ``LOAD``) with an HTTP client of its own, and
pyoxigraph offers no switch to turn that off nor a way to read its parse. So the engine is made
*unable* to connect instead: a seccomp filter on the thread (and the processes it forks) that
evaluates refuses ``socket(AF_INET | AF_INET6, …)``. Whatever a query's spelling, the engine
can open no connection; fetches the operator allows go through our guarded client
(:mod:`alliance_kg.web.netguard`) in the federation path, never through the engine.

Unix sockets and pipes stay usable (workers answer through a pipe). ``trap=True`` (in forked
query workers) raises SIGSYS instead of failing quietly, so that an attempt hidden under
``SERVICE SILENT`` is still seen: :func:`network_attempted` reports it after the evaluation.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import signal
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import FrameType
from typing import TypeVar

T = TypeVar("T")

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
# BPF opcodes (linux/filter.h, linux/seccomp.h)
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_TRAP = 0x00030000
_EACCES = 13
#: (AUDIT_ARCH, number of the socket syscall) per machine
_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
# offsets in struct seccomp_data: nr, arch, instruction_pointer, args[6]
_NR, _ARCH_OFF, _ARG0 = 0, 4, 16

_attempted = threading.Event()
#: the C library, loaded once: ctypes.util.find_library runs ldconfig in a subprocess, which
#: can hang for good when another thread forks a query worker meanwhile
LIBC = ctypes.CDLL(None, use_errno=True)


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def supported() -> bool:
    """Whether this machine can sandbox (Linux on x86_64 or aarch64)."""
    return platform.system() == "Linux" and platform.machine() in _ARCH


def _program(trap: bool) -> list[tuple[int, int, int, int]]:
    arch, nr = _ARCH[platform.machine()]
    refuse = _RET_TRAP if trap else _RET_ERRNO | _EACCES
    return [
        (_LD_W_ABS, 0, 0, _ARCH_OFF),
        (_JEQ_K, 1, 0, arch),
        (_RET_K, 0, 0, _RET_ALLOW),  # another ABI: nothing of ours runs there
        (_LD_W_ABS, 0, 0, _NR),
        (_JEQ_K, 0, 5, nr),
        (_LD_W_ABS, 0, 0, _ARG0),  # the low word of the address family
        (_JEQ_K, 2, 0, socket.AF_INET),
        (_JEQ_K, 1, 0, socket.AF_INET6),
        (_RET_K, 0, 0, _RET_ALLOW),
        (_RET_K, 0, 0, refuse),
        (_RET_K, 0, 0, _RET_ALLOW),
    ]


def _on_sigsys(signum: int, frame: FrameType | None) -> None:
    _attempted.set()


def deny_network(*, trap: bool = False) -> None:
    """Refuse IPv4/IPv6 sockets to the calling thread and everything it forks, for good.

    Raises ``OSError`` where the kernel refuses the filter: callers must not evaluate then."""
    if not supported():
        raise OSError("network sandbox needs Linux on x86_64 or aarch64")
    if trap:
        signal.signal(signal.SIGSYS, _on_sigsys)
    program = _program(trap)
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    prog = _SockFprog(len(program), filters)
    libc = LIBC
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def network_attempted(*, reset: bool = True) -> bool:
    """Whether code under a ``trap=True`` sandbox tried to open a network socket."""
    seen = _attempted.is_set()
    if reset:
        _attempted.clear()
    return seen


def limit_memory(mib: int) -> None:
    """Cap this process's address space at what it has now plus ``mib`` MiB (0: no cap).

    A forked worker inherits the server's whole mapping (the store's caches included), so the
    cap is relative to it; an allocation past it fails in the engine instead of the machine."""
    if mib <= 0:
        return
    with open("/proc/self/statm", "rb") as f:
        pages = int(f.read().split()[0])
    now = pages * os.sysconf("SC_PAGE_SIZE")
    cap = now + mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))



_THREADS: ThreadPoolExecutor | None = None
_THREADS_LOCK = threading.Lock()
#: stack of a sandboxed thread: deep (but parseable) nesting recurses in the engine's parser
_STACK_BYTES = 256 * 1024 * 1024


def _submit(fn: Callable[[], T]) -> Future[T]:
    global _THREADS
    with _THREADS_LOCK:
        if _THREADS is None:
            _THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sandboxed",
                                          initializer=_init_thread)
        # the pool starts its threads on submit: they get the large stack then
        previous = threading.stack_size(_STACK_BYTES)
        try:
            return _THREADS.submit(fn)
        finally:
            threading.stack_size(previous)


def _init_thread() -> None:
    if supported():
        deny_network()


def _reset_after_fork() -> None:
    global _THREADS, _THREADS_LOCK
    _THREADS, _THREADS_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def run_sandboxed(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` on a thread that cannot open network sockets (see :func:`deny_network`);
    the thread has a large stack, and the caller waits for it."""
    return _submit(lambda: fn(*args)).result()


def refused_network(exc: BaseException) -> bool:
    """Whether an engine error is the sandbox refusing a socket (EACCES on ``socket``)."""
    if isinstance(exc, PermissionError):
        return True
    text = str(exc)
    # EACCES on the socket, or on the resolver's socket (the lookup then reports failure)
    return any(s in text for s in ("os error 13", "Permission denied",
                                   "failed to lookup address"))
