"""Keep freed host memory for reuse while a job runs; give it back when it ends.

glibc's ``malloc`` hands every freed block above 32 MB (in a worker thread,
above 64 MB) straight back to the kernel, so each layer's next tensor of the
same size is page-faulted and zeroed again. On a CPU that costs convolution
networks a third of their speed or more: ESRGAN ×4 on one 256 px tile reaches
0.61 of ``torch.mm`` peak with the defaults and 0.76 with freed memory kept,
the compact SR net 0.54 and 0.91 (``scripts/bench_sr.py``). PyTorch's CPU
tuning guide fixes this by preloading jemalloc or tcmalloc; :func:`tune` gets
the same effect in-process through ``mallopt``, and :func:`release` returns
the kept memory with ``malloc_trim`` once a job is done, so an idle
application stays small. The price is a higher peak while a job runs (glibc
leaves some holes it cannot reuse: ESRGAN with 6 blocks on 256² peaks at
1.9 GB instead of 1.4 GB) and no other memory given back until the job ends.

Only entry points (the ``ganstudio`` command, the desktop app, benchmarks) call
:func:`tune`; importing the library changes nothing. Users who chose their own
allocator (``LD_PRELOAD``, ``MALLOC_*`` or ``GLIBC_TUNABLES``) or set
``GANSTUDIO_SYSTEM_MALLOC=1`` are left alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

# mallopt parameters, from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
M_ARENA_MAX = -8

#: never give the heap's top back by itself: one big layer's output would exceed any
#: threshold and be faulted in again next tile; release() trims between jobs instead
NO_TRIM = -1

_tuned = False
_running = 0  # jobs between job_started() and job_ended()
_running_lock = threading.Lock()


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    # gnu_get_libc_version is glibc's own: musl and others have different malloc knobs
    if not all(hasattr(libc, f) for f in ("gnu_get_libc_version", "mallopt", "malloc_trim")):
        return None
    return libc


def _user_chose_allocator() -> str | None:
    if os.environ.get("GANSTUDIO_SYSTEM_MALLOC", "").strip() not in ("", "0"):
        return "GANSTUDIO_SYSTEM_MALLOC is set"
    preload = os.environ.get("LD_PRELOAD", "")
    if any(name in preload for name in ("jemalloc", "tcmalloc", "mimalloc")):
        return f"LD_PRELOAD={preload}"
    for key in (
        "GLIBC_TUNABLES",
        "MALLOC_ARENA_MAX",
        "MALLOC_MMAP_MAX_",
        "MALLOC_MMAP_THRESHOLD_",
        "MALLOC_TRIM_THRESHOLD_",
    ):
        if key in os.environ:
            return f"{key} is set"
    return None


def tune() -> bool:
    """Serve large blocks from one reusable heap; True when the setting took effect.

    Call it early, before worker threads start: threads that already own a
    private arena keep it.
    """
    global _tuned
    if _tuned:
        return True
    reason = _user_chose_allocator()
    libc = None if reason else _glibc()
    if libc is None:
        log.debug("host allocator left as it is (%s)", reason or "not glibc")
        return False
    ok = (
        libc.mallopt(M_ARENA_MAX, 1) == 1
        and libc.mallopt(M_MMAP_MAX, 0) == 1
        and libc.mallopt(M_TRIM_THRESHOLD, NO_TRIM) == 1
    )
    _tuned = ok
    return ok


def release() -> None:
    """Return the free memory kept by :func:`tune` to the kernel (cheap when there is none)."""
    if _tuned:
        libc = _glibc()
        if libc is not None:
            libc.malloc_trim(0)


def is_tuned() -> bool:
    return _tuned


def job_started() -> None:
    global _running
    with _running_lock:
        _running += 1


def job_ended() -> None:
    """Release kept memory when the last running job ends: not under a job still working."""
    global _running
    with _running_lock:
        _running = max(0, _running - 1)
        last = _running == 0
    if last:
        release()
