"""ProGAN, LAPGAN and BigGAN under DDP: two CPU processes (gloo) stay in step.

ProGAN's layers of resolutions not yet grown take part with zero gradients,
LAPGAN's critics take lists of images, BigGAN's spectral norm updates its
power-iteration buffers in every forward: each is a way to break DDP.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ganstudio.core import checkpoints

WORKER = textwrap.dedent("""
    import hashlib, json, os, sys
    import torch
    from ganstudio import plugins
    from ganstudio.core.data.tensors import ProceduralFacesDataset
    from ganstudio.core.sources import make_objective
    from ganstudio.core.specs import apply_overrides
    from ganstudio.core.training import Trainer, TrainOptions, exit_distributed_rank

    torch.set_num_threads(1)
    out, name, overrides = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    reg = plugins.get_registry()
    variant = reg.variant(name)
    config = apply_overrides(variant.config(), overrides)
    options = TrainOptions(steps=3, batch_size=4, device="cpu", num_workers=0,
                           sample_every=0, checkpoint_every=0, seed=0)
    data = ProceduralFacesDataset(size=32, count=32, seed=0)
    trainer = Trainer(variant, config, data, out, options, make_objective(reg, config))
    trainer.run_to_end()
    digest = hashlib.sha256()
    for role in ("G", "D"):
        for t in trainer.models[role].parameters():
            digest.update(t.detach().cpu().numpy().tobytes())
    with open(os.path.join(out, f"rank{os.environ['RANK']}.txt"), "w") as fh:
        fh.write(digest.hexdigest())
    exit_distributed_rank(0)
""")

CASES = {
    # fades 8 px in during step 2 (2 ranks × 4 images = 8 images a step)
    "progan": '{"resolution": 32, "z_dim": 8, "width": 16, "min_width": 8, '
    '"fade_images": 16, "stable_images": 8}',
    "lapgan": '{"resolution": 32, "z_dim": 8, "width": 8, "objective": "wgan-gp"}',
    "biggan": '{"resolution": 32, "z_dim": 8, "width": 8, "embed_dim": 8}',
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(CASES))
def test_two_process_ddp_keeps_replicas_in_sync(tmp_path: Path, variant: str) -> None:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            f"--master_port={_free_port()}",
            "--master_addr=127.0.0.1",
            str(script),
            str(out),
            variant,
            CASES[variant],
        ],
        env=env,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "rank0.txt").read_text() == (out / "rank1.txt").read_text()
    meta = checkpoints.read_metadata(out / "checkpoints" / "latest.safetensors")
    assert meta["step"] == 3 and meta["images_seen"] == 3 * 4 * 2
