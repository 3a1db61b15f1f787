"""pytorch-fid's Inception-v3, with random weights: key names, input recipe, FID of two folders.

The real weights (pt_inception-2015-12-05-6726825d.pth, 92 MB) are never
downloaded: a state dict with pytorch-fid's key names and random values stands
in.  The features of two small folders are computed here the way pytorch-fid
does it (PIL → [0, 1] → bilinear 299×299 → 2x − 1 → the network → pool3), and
FID is stated independently (scipy's ``sqrtm``); ``ganstudio``'s streaming
path over the same folders must agree to 1e-3.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import torch
import torch.nn.functional as F
from PIL import Image

from ganstudio.core.data.tensors import ImageFolderDataset
from ganstudio.core.metrics.evaluate import dataset_batches, stream_stats
from ganstudio.core.metrics.inception import FIDInceptionV3, InceptionFeatures, prepare_input
from ganstudio.core.metrics.stats import frechet_distance
from ganstudio.errors import UserError


@pytest.fixture(scope="module")
def random_weights() -> dict[str, torch.Tensor]:
    """Random values under pytorch-fid's key names, scaled so features neither vanish
    nor explode (He-normal convolutions, identity batch norms)."""
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in FIDInceptionV3().state_dict().items()}
    g = torch.Generator().manual_seed(0)
    state: dict[str, torch.Tensor] = {}
    for key, shape in shapes.items():
        if key.endswith("conv.weight") or key == "fc.weight":
            fan_in = math.prod(shape[1:])
            state[key] = torch.randn(shape, generator=g) * math.sqrt(2 / fan_in)
        elif key.endswith("running_var") or key.endswith("bn.weight"):
            state[key] = torch.ones(shape)
        elif key.endswith("num_batches_tracked"):
            state[key] = torch.zeros(shape, dtype=torch.long)
        else:  # biases, running means
            state[key] = torch.zeros(shape)
    return state


def test_pytorch_fid_key_names_load(random_weights, tmp_path) -> None:
    # a few names exactly as in pytorch-fid's file (torchvision's Inception3, 1008 classes)
    for key in (
        "Conv2d_1a_3x3.conv.weight",
        "Mixed_5b.branch_pool.conv.weight",
        "Mixed_6e.branch7x7dbl_5.bn.running_var",
        "Mixed_7c.branch3x3dbl_3b.conv.weight",
        "fc.bias",
    ):
        assert key in random_weights
    assert random_weights["fc.weight"].shape == (1008, 2048)
    path = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    torch.save(random_weights, path)
    extractor = InceptionFeatures(path)
    assert extractor.net.fc.weight.device.type == "cpu"  # materialised, not left on "meta"
    assert torch.equal(
        extractor.net.Mixed_7c.branch_pool.conv.weight,
        random_weights["Mixed_7c.branch_pool.conv.weight"],
    )


def test_a_file_with_other_keys_is_one_clear_error(tmp_path) -> None:
    path = tmp_path / "inception_v3_google.pth"
    torch.save({"AuxLogits.fc.weight": torch.zeros(1000, 768)}, path)  # another Inception
    with pytest.raises(UserError, match="not pytorch-fid's Inception weights"):
        InceptionFeatures(path)
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(UserError, match="not a readable"):
        InceptionFeatures(tmp_path / "junk.pth")
    with pytest.raises(UserError, match="no such"):
        InceptionFeatures(tmp_path / "missing.pth")


def to_tensor(file) -> torch.Tensor:
    """torchvision's ToTensor on an RGB file: (3, H, W) in [0, 1]."""
    pixels = np.asarray(Image.open(file).convert("RGB"), np.float32) / 255
    return torch.from_numpy(pixels).permute(2, 0, 1)


def pytorch_fid_features(net: torch.nn.Module, files: list) -> np.ndarray:
    """pytorch-fid's recipe, stated here: ToTensor, resize, 2x − 1, blocks 0-3, pool."""
    x = torch.stack([to_tensor(f) for f in files])
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    x = 2 * x - 1
    with torch.no_grad():
        x = net.Conv2d_2b_3x3(net.Conv2d_2a_3x3(net.Conv2d_1a_3x3(x)))
        x = torch.nn.MaxPool2d(3, 2)(x)
        x = net.Conv2d_4a_3x3(net.Conv2d_3b_1x1(x))
        x = torch.nn.MaxPool2d(3, 2)(x)
        for name in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"):
            x = getattr(net, f"Mixed_{name}")(x)
        return torch.nn.AdaptiveAvgPool2d(1)(x).flatten(1).double().numpy()


def fid_sqrtm(a: np.ndarray, b: np.ndarray) -> float:
    """FID with scipy's sqrtm, in the n×n form: the non-zero eigenvalues of Σa·Σb are
    those of M·Mᵀ with M = Ãa·Ãbᵀ (Ã: centred samples / √(n−1)); 2048² would take minutes."""
    ca = (a - a.mean(0)) / math.sqrt(len(a) - 1)
    cb = (b - b.mean(0)) / math.sqrt(len(b) - 1)
    m = ca @ cb.T
    covmean = np.real(scipy.linalg.sqrtm(m @ m.T))
    diff = a.mean(0) - b.mean(0)
    return float(diff @ diff + (ca**2).sum() + (cb**2).sum() - 2 * np.trace(covmean))


def make_folders(tmp_path) -> list:
    rng = np.random.default_rng(0)
    folders = []
    for name, tint in (("real", 0), ("fake", 60)):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(3):
            pixels = rng.integers(0, 196, (32, 32, 3), dtype=np.uint8) + tint
            Image.fromarray(pixels.astype(np.uint8)).save(folder / f"{i}.png")
        folders.append(folder)
    return folders


def test_folder_images_reach_the_network_as_pytorch_fid_feeds_them(tmp_path) -> None:
    """The cheap half of the check below: same input tensor, without running the network."""
    folder = make_folders(tmp_path)[1]
    files = sorted(folder.glob("*.png"))
    ours = prepare_input(next(dataset_batches(ImageFolderDataset(folder, size=32), 10, 10)))
    x = torch.stack([to_tensor(f) for f in files])
    expected = 2 * F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False) - 1
    assert ours.shape == (3, 3, 299, 299)
    assert torch.allclose(ours, expected, atol=1e-6)


@pytest.mark.slow  # two forward passes of the full network at 299×299: a minute on 1 CPU
def test_fid_of_two_folders_matches_the_formula(random_weights, tmp_path) -> None:
    folders = make_folders(tmp_path)
    extractor = InceptionFeatures(state_dict=random_weights)

    stats = [
        stream_stats(extractor, dataset_batches(ImageFolderDataset(f, size=32), 100, 2))
        for f in folders
    ]
    ours = frechet_distance(*stats)

    feats = [pytorch_fid_features(extractor.net, sorted(f.glob("*.png"))) for f in folders]
    assert feats[0].std() > 1e-3  # the random network's features carry signal
    expected = fid_sqrtm(*feats)
    assert expected > 1.0
    assert ours == pytest.approx(expected, abs=1e-3)
