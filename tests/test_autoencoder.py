"""The autoencoders: training (resume), and what each editor action gives an artist."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from ganstudio.cli import main
from ganstudio.core.specs import ParamError
from ganstudio.errors import UserError

TINY = {"resolution": 16, "width": 8, "latent_dim": 8}


def _face(size: int = 24) -> Image.Image:
    from ganstudio.core.data.procedural import ProceduralFaces

    return ProceduralFaces(size=32, count=1, seed=0)[0].image.resize((size, size))


@pytest.mark.parametrize("variant", ["ae", "vae", "vae-gan"])
def test_each_variant_trains_and_resumes_through_the_trainer(train_steps, variant):
    run = train_steps(variant, steps=2, overrides=TINY, resume_steps=1)
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3]  # resumed at 2, not restarted
    assert all(np.isfinite(r["recon"]) for r in rows)
    assert ("kl" in rows[-1]) == (variant != "ae")
    assert ("loss_d" in rows[-1]) == (variant == "vae-gan")
    assert (run / "checkpoints" / "latest.safetensors").is_file()


def test_training_damage_blanks_holes_and_leaves_clean_rows_alone():
    import torch

    from plugins.autoencoder.config import AutoencoderConfig
    from plugins.autoencoder.damage import corrupt

    torch.manual_seed(0)
    images = torch.rand(64, 3, 16, 16) * 2 - 1
    damaged, hole = corrupt(images, AutoencoderConfig(corrupt="mask", corrupt_prob=0.5))
    holed = hole.flatten(1).amax(1) > 0
    assert 10 < int(holed.sum()) < 54  # about half the batch
    assert torch.equal(damaged[~holed], images[~holed])
    assert (damaged * hole).abs().max() == 0  # the hole's pixels are gone


def test_reconstruct_and_denoise_keep_the_input_size(run_action):
    image = _face(40)
    for action in ("reconstruct", "denoise"):
        out = run_action(action, model="ae", image=image)
        assert out.images[0].size == (40, 40)
    untouched = run_action("denoise", model="ae", params={"strength": 0.0}, image=image)
    assert np.array_equal(np.asarray(untouched.images[0]), np.asarray(image))


def test_encode_records_the_latent_and_interpolation_walks_to_another_photo(run_action):
    a, b = _face(), _face().transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    enc_b = run_action("encode", model="vae", image=b)
    z_b = enc_b.result.latents["z"]
    assert z_b.shape == (1, 64)  # the VAE's default latent size
    strip = run_action(
        "morph-photos", model="vae", params={"to": enc_b.result.latents, "frames": 5}, image=a
    )
    assert len(strip.images) == 5 and strip.layout == "strip"
    walked = strip.result.latents["z"]
    assert np.allclose(walked[-1], z_b[0], atol=1e-5)  # the last frame is photo b's code
    enc_a = run_action("encode", model="vae", image=a)
    assert np.allclose(walked[0], enc_a.result.latents["z"][0], atol=1e-5)


def test_a_layer_from_another_model_is_refused_with_the_reason(run_action):
    with pytest.raises(ParamError, match="encode"):
        run_action("morph-photos", model="ae", params={"to": {"ws": np.zeros((1, 9))}})


def test_generate_around_an_encoded_photo_stays_near_it(run_action):
    enc = run_action("encode", model="vae", image=_face())
    z = enc.result.latents["z"]
    near = run_action(
        "generate", model="vae", params={"around": {"z": z}, "temperature": 0.0, "count": 2}
    )
    assert np.allclose(near.result.latents["z"], np.repeat(z, 2, 0), atol=1e-6)
    assert len(near.images) == 2


def test_inpaint_changes_only_the_masked_region(run_action):
    image = _face(32)
    mask = Image.new("L", image.size, 0)
    mask.paste(255, (8, 8, 20, 20))
    out = run_action("inpaint", model="ae", params={"feather": 0}, image=image, mask=mask)
    before, after = np.asarray(image), np.asarray(out.images[0])
    outside = np.asarray(mask) == 0
    assert np.array_equal(before[outside], after[outside])
    assert not np.array_equal(before[~outside], after[~outside])


def test_inpaint_without_a_mask_says_how_to_give_one(run_action):
    with pytest.raises(UserError, match="mask brush"):
        run_action("inpaint", model="ae", image=_face())


@pytest.fixture
def ae_file(train_steps):
    return train_steps("ae", steps=1, overrides=TINY) / "checkpoints" / "latest.safetensors"


def test_cli_encode_then_interpolate_with_the_saved_latents(ae_file, tmp_path, capsys):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    _face().save(a)
    _face().rotate(20).save(b)
    z = tmp_path / "b.npz"
    base = ["--model", str(ae_file), "--no-progress", "--device", "cpu"]
    assert (
        main(
            [
                "run",
                "encode",
                "--input",
                str(b),
                "--latents",
                str(z),
                "-o",
                str(tmp_path / "e.png"),
                *base,
            ]
        )
        == 0
    )
    gif = tmp_path / "walk.gif"
    args = ["--param", f"to={z}", "--param", "frames=4", "--param", "layout=animation"]
    assert main(["run", "morph-photos", "--input", str(a), *args, "-o", str(gif), *base]) == 0
    assert Image.open(gif).n_frames == 4


def test_cli_inpaint_reads_the_mask_and_refuses_bad_ones(ae_file, tmp_path, capsys):
    photo, mask = tmp_path / "in.png", tmp_path / "mask.png"
    _face(32).save(photo)
    m = Image.new("L", (32, 32), 0)
    m.paste(255, (0, 0, 10, 10))
    m.save(mask)
    base = ["--model", str(ae_file), "--input", str(photo), "--no-progress", "--device", "cpu"]
    out = tmp_path / "out.png"
    assert main(["run", "inpaint", "--mask", str(mask), "-o", str(out), *base]) == 0
    kept = np.asarray(Image.open(out).convert("RGB"))[12:, 12:]
    assert np.array_equal(kept, np.asarray(Image.open(photo).convert("RGB"))[12:, 12:])
    capsys.readouterr()
    Image.new("L", (8, 8)).save(mask)
    assert main(["run", "inpaint", "--mask", str(mask), "-o", str(out), *base]) == 2
    assert "is not the size of --input" in capsys.readouterr().err
    assert main(["run", "inpaint", "-o", str(out), *base]) == 2
    assert "--mask" in capsys.readouterr().err
    assert main(["run", "denoise", "--mask", str(mask), "-o", str(out), *base]) == 2
    assert "takes no mask" in capsys.readouterr().err


def test_interpolation_without_a_second_photo_walks_to_the_average_face(run_action):
    out = run_action("morph-photos", model="vae", params={"frames": 3}, image=_face())
    assert np.allclose(out.result.latents["z"][-1], 0.0)


def test_the_action_panel_offers_encoded_layers_for_interpolation(action_panel):
    panel = action_panel("morph-photos", model="vae")
    assert {"to", "frames", "layout"} <= set(panel.form.editors)
    assert panel.current_action.input_kind == "image"


def test_a_mask_file_is_white_or_opaque_where_the_region_is(tmp_path):
    from ganstudio.core.masks import read_mask

    grey, drawn = tmp_path / "grey.png", tmp_path / "drawn.png"
    m = Image.new("L", (8, 6), 0)
    m.paste(255, (2, 2, 4, 4))
    m.save(grey)
    layer = Image.new("RGBA", (8, 6), (0, 0, 0, 0))  # strokes on a transparent layer
    layer.paste((200, 0, 0, 255), (2, 2, 4, 4))
    layer.save(drawn)
    for path in (grey, drawn):
        assert read_mask(path, (8, 6)).getbbox() == (2, 2, 4, 4)
    with pytest.raises(UserError, match="no such file"):
        read_mask(tmp_path / "missing.png", (8, 6))
