"""The projector's distances: VGG16 from the user's own weights file, or pixels + edges."""

from __future__ import annotations

import pytest
import torch
from test_stylegan_editing import _load

from ganstudio.core.specs import ParamError

losses = _load("losses")


@pytest.mark.slow  # VGG16 at 128 px on a CPU; the error paths below are fast
def test_a_local_vgg16_file_gives_the_lpips_style_distance(tmp_path):
    from torchvision.models.vgg import cfgs, make_layers

    torch.manual_seed(0)
    path = tmp_path / "vgg16.pth"  # the keys of torchvision's vgg16 (random weights)
    features = make_layers(cfgs["D"]).state_dict()
    torch.save({f"features.{k}": v for k, v in features.items()}, path)
    distance, name = losses.make_distance(str(path), torch.device("cpu"))
    assert name == "vgg16-lpips"
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    assert float(distance(x, x)) == pytest.approx(0.0, abs=1e-6)
    assert float(distance(x, x.flip(-1))) > 0
    assert losses.make_distance("", torch.device("cpu"))[1] == "pixel-gradient-pyramid"


def test_a_wrong_vgg_file_is_one_clear_error(tmp_path):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(ParamError, match="junk.pth is not a readable weights file"):
        losses.make_distance(str(junk), torch.device("cpu"))
    other = tmp_path / "other.pth"
    torch.save({"features.0.weight": torch.zeros(2, 2)}, other)
    with pytest.raises(ParamError, match="not torchvision's VGG16"):
        losses.make_distance(str(other), torch.device("cpu"))
    with pytest.raises(ParamError, match="no such file"):
        losses.make_distance(str(tmp_path / "missing.pth"), torch.device("cpu"))
