"""ganstudio.testing's fixtures, used on the built-in plugins (dogfood)."""

from __future__ import annotations

import json

import pytest


def test_tiny_image_has_distinct_channels(tiny_image) -> None:
    assert tiny_image.size == (16, 16) and tiny_image.mode == "RGB"
    r, g, b = tiny_image.getpixel((15, 0))
    assert len({r, g, b}) == 3


def test_run_action_generates_from_a_random_model(run_action) -> None:
    out = run_action("generate", model="dcgan", params={"count": 2, "seed": 3})
    assert len(out.images) == 2
    assert out.provenance["plugin"]["name"] == "dcgan"


def test_run_action_upscales_the_tiny_image(run_action, tiny_image) -> None:
    from ganstudio.core.model_files import resolve_model

    out = run_action("super-resolve", model=resolve_model("sr-compact-x2"), image=tiny_image)
    assert out.images[0].size == (32, 32)


def test_train_steps_saves_and_resumes(train_steps) -> None:
    run = train_steps("dcgan", steps=2, overrides={"resolution": 32, "width": 8}, resume_steps=1)
    assert (run / "checkpoints" / "latest.safetensors").is_file()
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert max(m["step"] for m in metrics if "step" in m) == 3


def test_isolated_home_holds_the_settings(ganstudio_home) -> None:
    from ganstudio import plugins

    plugins.set_plugin_disabled("srgan", True)
    assert (ganstudio_home / "config" / "settings.json").is_file()


@pytest.mark.parametrize("action", ["generate"])
def test_action_panel_builds_the_form(action_panel, action: str) -> None:
    panel = action_panel(action, model="dcgan")
    assert panel.current_action.id == action
    assert {"seed", "count"} <= set(panel.form.editors)


def test_the_pytest_plugin_loads_neither_torch_nor_qt() -> None:
    """pytest loads ganstudio.testing in every session where GAN Studio is installed."""
    import subprocess
    import sys

    code = (
        "import sys, ganstudio.testing; "
        "bad = [m for m in ('torch', 'PySide6', 'ganstudio.gui') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
