"""The shipped demo SR model loads and beats bicubic on a photo it never saw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skdata
from skimage.metrics import peak_signal_noise_ratio

from ganstudio.core.actions import run_action
from ganstudio.core.models import load_model

DEMO = Path(__file__).resolve().parent.parent / "resources" / "models" / "sr-compact-x2.safetensors"


def test_demo_model_beats_bicubic_on_a_held_out_photo(registry) -> None:
    model = load_model(DEMO, registry)
    hr = skdata.coffee()[100:228, 200:328]  # (128, 128, 3): coffee is not in the training set
    lr = Image.fromarray(hr).resize((64, 64), Image.BICUBIC)
    out = run_action(registry.action("super-resolve"), model, {}, {"image": lr}).images[0]
    assert out.size == (128, 128)
    bicubic = np.asarray(lr.resize((128, 128), Image.BICUBIC))
    inner = (slice(2, -2), slice(2, -2))
    psnr_model = peak_signal_noise_ratio(hr[inner], np.asarray(out)[inner], data_range=255)
    psnr_bicubic = peak_signal_noise_ratio(hr[inner], bicubic[inner], data_range=255)
    assert psnr_model > psnr_bicubic + 0.5
