"""Train the two-stage text-to-image GAN briefly on captioned procedural faces.

Deterministic (seeded, one thread).  Faces and labels are rendered once (2048 at
32 px); captions are written from the labels on the fly by the routine.  Writes

- docs/variants/text2image_prompts.png: one row per prompt, six seeds each;
- docs/variants/text2image_stages.png: stage I (16 px, scaled up) above stage II (32 px);
- resources/models/text2image-faces-32.safetensors (the EMA generator only);

and prints two held-out checks: how well the text encoder reads attributes back
out of captions it never saw, and how often the generated background has the
colour the prompt asked for (chance: 1 in 6).  Quality is modest at the default
budget (about 5 CPU minutes); ``--steps 20000`` on a GPU gives far better faces.

    .venv/bin/python scripts/train_text2image_demo.py [--steps N] [--no-export]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.actions import run_action
from ganstudio.core.data.procedural import BACKGROUNDS as BACKGROUND_RGB
from ganstudio.core.data.procedural import ProceduralFaces, label_names
from ganstudio.core.imaging import compose
from ganstudio.core.models import load_model
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions
from plugins.text2image.captions import BACKGROUNDS, COLUMNS, caption, label_values, tokenize
from plugins.text2image.models import pad_ids, word_ids

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "variants"
CONFIG = {"resolution": 32, "width": 32}
PROMPTS = (
    "a smiling old man with glasses and a beard",
    "a young person with long blonde hair on a pink background",
    "a frowning face with short black hair on a green background",
    "a happy person with red hair on a yellow background",
    "an elderly face with grey hair and dark skin",
    "a person with long brown hair wearing glasses on a purple background",
)


class Faces(torch.utils.data.Dataset):
    """Procedural faces with their labels, rendered once into memory."""

    def __init__(self, count: int, seed: int) -> None:
        faces = ProceduralFaces(size=32, count=count, seed=seed)
        samples = [faces[i] for i in range(count)]
        arr = np.stack([np.asarray(s.image, dtype=np.float32) for s in samples])
        self.images = torch.from_numpy(arr / 127.5 - 1).permute(0, 3, 1, 2).contiguous()
        self.labels = torch.from_numpy(np.stack([s.label_vector for s in samples]))
        self.label_names = label_names()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"image": self.images[index], "labels": self.labels[index]}


def train(registry, data: Faces, steps: int, out: Path) -> Path:
    spec = registry.variant("text2image")
    config = apply_overrides(spec.config(), CONFIG)
    opts = TrainOptions(
        steps=steps,
        batch_size=32,
        num_workers=0,
        sample_every=steps,
        sample_count=16,
        checkpoint_every=steps,
        ema_decay=0.99,
        seed=0,
        device="cpu",
    )
    trainer = Trainer(
        spec,
        config,
        data,
        out,
        opts,
        registry.objective(config.objective).factory(),
        plugin="text2image",
        data_spec="procedural:faces?count=2048&seed=0",
    )
    t0 = time.perf_counter()
    for event in trainer.run():
        if event.kind == "step" and (event.step % 50 == 0 or event.step == steps):
            losses = " ".join(f"{k}={v:.3f}" for k, v in event.losses.items())
            print(f"step {event.step}/{steps} {losses} ({time.perf_counter() - t0:.0f} s)")
    return out / "checkpoints" / checkpoints.LATEST_NAME


def _stack(rows: list[Image.Image], path: Path, scale: int = 3) -> None:
    sheet = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows)))
    y = 0
    for r in rows:
        sheet.paste(r.convert("RGB"), (0, y))
        y += r.height
    big = sheet.resize((sheet.width * scale, sheet.height * scale), Image.Resampling.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    big.save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


@torch.no_grad()
def text_check(loaded) -> None:
    """Held-out captions (seed 1): attributes read back by the text encoder."""
    faces = ProceduralFaces(size=32, count=256, seed=1)
    names = label_names()
    values = [label_values(faces[i].label_vector, names) for i in range(256)]
    cfg = loaded.config
    rows = [
        word_ids(tokenize(caption(v, i)), cfg.vocabulary, cfg.max_words)
        for i, v in enumerate(values)
    ]
    text = loaded.generator.text
    pred = torch.sigmoid(text.attributes(text(pad_ids(rows, loaded.device)))).cpu()
    for name in ("glasses", "beard"):
        k = COLUMNS.index(name)
        truth = torch.tensor([v[name] > 0.5 for v in values])
        acc = ((pred[:, k] > 0.5) == truth).float().mean().item()
        print(f"text encoder: {name} read from held-out captions, accuracy {acc:.2f}")


def _f(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float32)


def background_hit_rate(images: list[Image.Image], wanted: str) -> float:
    """How many images' corner colour is nearest to the asked-for background colour."""
    palette = {name: np.array(BACKGROUND_RGB[name], dtype=np.float32) for name in BACKGROUNDS}
    hits = 0
    for im in images:
        corner = np.asarray(im.convert("RGB"), dtype=np.float32)[:4, :4].reshape(-1, 3).mean(0)
        hits += min(palette, key=lambda n: float(((palette[n] - corner) ** 2).sum())) == wanted
    return hits / len(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="training steps")
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: a temp dir)")
    parser.add_argument("--no-export", action="store_true", help="do not write the demo model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    registry = plugins.get_registry()
    out = args.out or Path(tempfile.mkdtemp(prefix="t2i-demo-"))
    t0 = time.perf_counter()
    data = Faces(2048, seed=0)
    print(f"rendered {len(data)} faces in {time.perf_counter() - t0:.0f} s")
    ckpt = train(registry, data, args.steps, out)
    print(f"trained in {time.perf_counter() - t0:.0f} s; run in {out}")
    loaded = load_model(ckpt, registry, torch.device("cpu"))
    spec = registry.action_for("text-to-image", loaded.capabilities, loaded.variant_id)

    def draw(prompt: str, count: int, stages: bool = False) -> list[Image.Image]:
        params = {"prompt": prompt, "count": count, "seed": 0, "stages": stages}
        return run_action(spec, loaded, params, {}).images

    text_check(loaded)
    rates = []
    for colour in BACKGROUNDS:
        rates.append(background_hit_rate(draw(f"a person on a {colour} background", 32), colour))
    print(
        "background colour as asked: "
        + ", ".join(f"{c} {r:.2f}" for c, r in zip(BACKGROUNDS, rates, strict=True))
    )
    print(f"mean {np.mean(rates):.2f} (chance 0.17)")
    # does the caption steer the image? mean |pixel difference| (0-255), 8 images each
    base = draw(PROMPTS[0], 8)
    other_prompt = draw(PROMPTS[1], 8)
    other_seed = run_action(spec, loaded, {"prompt": PROMPTS[0], "count": 8, "seed": 100}, {})

    def diff(xs: list[Image.Image], ys: list[Image.Image]) -> float:
        pairs = zip(xs, ys, strict=True)
        return float(np.mean([np.abs(_f(x) - _f(y)).mean() for x, y in pairs]))

    print(
        f"another prompt changes the image by {diff(base, other_prompt):.1f}, "
        f"another seed by {diff(base, other_seed.images):.1f} (mean |pixel difference|)"
    )
    _stack([compose(draw(p, 6), "strip") for p in PROMPTS], DOCS / "text2image_prompts.png")
    pairs = draw(PROMPTS[0], 6, stages=True)
    _stack(
        [compose(pairs[0::2], "strip"), compose(pairs[1::2], "strip")],
        DOCS / "text2image_stages.png",
    )
    if not args.no_export:
        tensors, header = checkpoints.load_model_file(ckpt)
        kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
        target = REPO / "resources" / "models" / "text2image-faces-32.safetensors"
        info = f"procedural faces (32 px, 2048, seed 0) with generated captions, {args.steps} steps"
        checkpoints.save_model(target, kept, {**header, "trained_on": info})
        print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
