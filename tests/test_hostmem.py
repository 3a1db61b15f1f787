"""The host allocator keeps big freed blocks for the next layer, and gives them back after."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ganstudio.core import hostmem

pytestmark = pytest.mark.skipif(hostmem._glibc() is None, reason="glibc only")

# A worker thread (as the GUI's and batch's model threads are) allocates and
# frees a 96 MB tensor 16 times; the page faults of each pass show whether the
# freed memory was kept (glibc needs a few passes before its small-chunk cache
# stops pinning the holes). Then release() must hand the memory back.
PROBE = r"""
import json, os, resource, sys, threading
from ganstudio.core import hostmem
tuned = hostmem.tune()
import torch

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

out = {"tuned": tuned, "faults": []}
def work():
    for _ in range(16):
        before = faults()
        b = torch.ones(24 * 2**20); del b
        out["faults"].append(faults() - before)
    out["rss_kept"] = rss_mb()
    hostmem.release()
    out["rss_released"] = rss_mb()
t = threading.Thread(target=work); t.start(); t.join()
print(json.dumps(out))
"""


def probe(**env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MALLOC_", "GLIBC_TUNABLES", "GANSTUDIO_SYSTEM_MALLOC"))
    }
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(proc.stdout)


def test_tuned_allocator_reuses_big_blocks_and_releases_them_after_the_job():
    tuned = probe()
    default = probe(GANSTUDIO_SYSTEM_MALLOC="1")
    assert tuned["tuned"] and not default["tuned"]
    pages = 96 * 2**20 // os.sysconf("SC_PAGE_SIZE")
    assert min(default["faults"]) > pages // 2  # the default re-faults the whole block
    assert max(tuned["faults"][-4:]) < pages // 20  # reused once warm
    assert tuned["rss_kept"] - tuned["rss_released"] > 64  # MB handed back by release()


def test_a_user_chosen_allocator_is_left_alone():
    assert not probe(MALLOC_ARENA_MAX="4")["tuned"]
    assert not probe(LD_PRELOAD="libjemalloc.so.2")["tuned"]


def test_kept_memory_is_released_when_the_last_running_job_ends(monkeypatch):
    from ganstudio.core.jobs import Job

    released = []
    monkeypatch.setattr(hostmem, "release", lambda: released.append(True))
    monkeypatch.setattr(hostmem, "_running", 0)  # whatever other tests left running

    def work(job):
        yield "step"
        return "done"

    long_job, quick = Job("train", work), Job("generate", work)
    running = long_job.events()
    next(running)  # a training job is mid-way
    assert quick.run() == "done"
    assert released == []  # its free memory stays for the training job
    assert list(running) == [] and long_job.result == "done"
    assert released == [True]
