"""DDP under torchrun with two CPU processes (gloo): the Trainer, and `ganstudio train`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

from ganstudio.core import checkpoints

WORKER = textwrap.dedent("""
    import faulthandler, hashlib, os, sys
    faulthandler.enable()  # a rank that aborts shows where, in CI's log
    import torch
    from ganstudio import plugins
    from ganstudio.core.data.tensors import ProceduralFacesDataset
    from ganstudio.core.specs import apply_overrides
    from ganstudio.core.training import Trainer, TrainOptions

    torch.set_num_threads(1)
    out = sys.argv[1]
    reg = plugins.get_registry()
    variant = reg.variant("dcgan")
    config = apply_overrides(variant.config(), {"resolution": "32", "width": "8", "z_dim": "16"})
    options = TrainOptions(steps=3, batch_size=4, device="cpu", num_workers=0,
                           sample_every=0, checkpoint_every=0, seed=0)
    data = ProceduralFacesDataset(size=32, count=32, seed=0)
    trainer = Trainer(variant, config, data, out, options, reg.objective("bce").factory())
    trainer.run_to_end()
    # the trainer made the process group, so it tears it down: a group left for
    # interpreter shutdown can abort the process (gloo threads outlive Python)
    assert not torch.distributed.is_initialized()
    rank = int(os.environ["RANK"])
    digest = hashlib.sha256()
    for t in trainer.models["G"].parameters():
        digest.update(t.detach().cpu().numpy().tobytes())
    with open(os.path.join(out, f"rank{rank}.txt"), "w") as fh:
        fh.write(digest.hexdigest())
    print(f"rank {rank}: trained, group destroyed, exiting", file=sys.stderr, flush=True)
    # as `ganstudio train` ends a rank: PyTorch keeps DDP's gloo threads alive until
    # exit, where they can abort the interpreter's teardown
    from ganstudio.core.training import exit_distributed_rank
    exit_distributed_rank(0)
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            f"--master_port={_free_port()}",
            "--master_addr=127.0.0.1",
            *args,
        ],
        env=env,
        timeout=240,
        capture_output=True,
        text=True,
    )


def test_two_process_ddp_keeps_replicas_in_sync(tmp_path: Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    out = tmp_path / "run"
    proc = torchrun(str(script), str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0, r1 = (out / "rank0.txt").read_text(), (out / "rank1.txt").read_text()
    assert r0 == r1  # DDP averaged the gradients: both replicas took identical steps
    meta = checkpoints.read_metadata(out / "checkpoints" / "latest.safetensors")
    assert meta["step"] == 3 and meta["images_seen"] == 3 * 4 * 2


def test_ganstudio_train_under_torchrun_ends_cleanly(tmp_path: Path) -> None:
    """The command users launch: both ranks exit 0 and rank 0 saves the shared run."""
    out = tmp_path / "run"
    proc = torchrun(
        "-m",
        "ganstudio",
        "train",
        "dcgan",
        "--data",
        "procedural:faces?count=32",
        "--out",
        str(out),
        "--set",
        "resolution=32",
        "--set",
        "width=8",
        "--set",
        "z_dim=16",
        "--steps",
        "3",
        "--batch-size",
        "4",
        "--workers",
        "0",
        "--device",
        "cpu",
        "--no-progress",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("done at step 3") == 1  # rank 0 reports, rank 1 stays quiet
    meta = checkpoints.read_metadata(out / "checkpoints" / "latest.safetensors")
    assert meta["step"] == 3 and meta["images_seen"] == 3 * 4 * 2
