"""What a plugin author sees: typed specs, refusals at their own line, listing, provenance."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from ganstudio import plugins
from ganstudio.cli import main
from ganstudio.core import specs

MODELLESS = """
from ganstudio.core.specs import Action, ActionResult, FloatParam
GANSTUDIO_API = 1
__version__ = "1.4"

def _invert(model, params, inputs):
    from PIL import ImageOps
    return ActionResult(images=[ImageOps.invert(inputs["image"].convert("RGB"))])

def _blank(model, params, inputs):
    from PIL import Image
    return ActionResult(images=[Image.new("RGB", (8, 8))])

def ganstudio_actions():
    return [
        Action("invert-it", "Invert", _invert, input_kind="image", batchable=True),
        Action("blank", "Blank", _blank),
    ]
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "plugins"
    out.mkdir()
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(out))
    yield out
    plugins.purge_folder_modules()


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_misspelled_hook_points_at_the_plugin_line_with_a_suggestion(folder: Path) -> None:
    path = write(folder, "typo", "GANSTUDIO_API = 1\n\n\ndef ganstudio_actoins():\n    return []\n")
    error = plugins.discover().plugins["typo"].error
    assert error == (
        "typo.py:4: ganstudio_actoins is not a GAN Studio hook; did you mean ganstudio_actions?"
    )
    assert line_of(path, "def ganstudio_actoins") == 4


def test_non_spec_is_reported_at_the_hook(folder: Path) -> None:
    write(
        folder, "nonspec", "GANSTUDIO_API = 1\nx = 1\ndef ganstudio_variants():\n    return [3]\n"
    )
    error = plugins.discover().plugins["nonspec"].error
    assert error == "nonspec.py:3: ganstudio_variants() returned int, expected Variant"


def test_a_bad_kind_is_reported_where_the_spec_is_made(folder: Path) -> None:
    path = write(
        folder,
        "badkind",
        """
        from ganstudio.core.specs import Action, ActionResult
        GANSTUDIO_API = 1

        def ganstudio_actions():
            return [
                Action("a", "A", lambda m, p, i: ActionResult([]), input_kind="picture"),
            ]
        """,
    )
    error = plugins.discover().plugins["badkind"].error
    at = line_of(path, 'Action("a"')
    assert error == (
        f"badkind.py:{at}: Action 'a': input_kind 'picture' is not one of image, none, voxels"
    )


def test_hidden_config_conventions_are_refused_at_discovery(folder: Path) -> None:
    write(
        folder,
        "noconv",
        """
        from dataclasses import dataclass
        from ganstudio.core.specs import Variant
        GANSTUDIO_API = 1

        @dataclass
        class Cfg:
            size: int = 32

        def ganstudio_variants():
            return [Variant("v", "V", Cfg, lambda c: {}, routine=lambda *a: None,
                            accepts_objectives=True)]
        """,
    )
    error = plugins.discover().plugins["noconv"].error
    assert "config Cfg has no 'resolution' field" in error
    assert error.startswith("noconv.py:")


def test_input_to_an_action_without_one_is_an_error(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    write(folder, "mless", MODELLESS)
    image = tmp_path / "in.png"
    from PIL import Image

    Image.new("RGB", (8, 8), "white").save(image)
    code = main(["run", "blank", "--input", str(image), "-o", str(tmp_path / "o.png")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "ganstudio run: error: action 'blank' takes no input image; drop --input"
    )


def test_modelless_action_batches_without_model_and_provenance_names_the_plugin(
    folder: Path, tmp_path: Path
) -> None:
    from PIL import Image

    from ganstudio.core.imaging import read_provenance

    write(folder, "mless", MODELLESS)
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    Image.new("RGB", (8, 8), "white").save(src / "a.png")
    assert main(["batch", "invert-it", str(src), str(out), "--no-progress"]) == 0
    (written,) = [p for p in out.iterdir() if p.suffix == ".png"]
    prov = read_provenance(written)
    assert prov["model"] is None
    assert prov["plugin"] == {"name": "mless", "version": "1.4"}
    with Image.open(written) as im:
        assert im.convert("RGB").getpixel((0, 0)) == (0, 0, 0)


def test_disabled_plugin_is_named_in_the_refusal_and_listed_with_what_it_provides(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    write(folder, "mless", MODELLESS)
    assert main(["plugins"]) == 0  # loads once: what it provides is remembered
    assert main(["plugins", "disable", "mless"]) == 0
    plugins.set_registry(None)
    capsys.readouterr()
    assert main(["run", "blank", "-o", str(tmp_path / "x.png")]) == 2
    assert capsys.readouterr().err.strip() == (
        "ganstudio run: error: action 'blank' is provided by plugin 'mless', which is "
        "disabled; enable it with 'ganstudio plugins enable mless'"
    )
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "mless unknown [disabled]" in out and "    actions: invert-it, blank" in out


def test_listing_always_names_the_user_folder_and_has_json(
    folder: Path, isolated_home: Path, capsys: pytest.CaptureFixture
) -> None:
    write(folder, "mless", MODELLESS)
    write(folder, "broken", "GANSTUDIO_API = 1\nimport nope_not_here\n")
    assert main(["plugins"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert (
        last == f"user plugins folder: {isolated_home / 'plugins'} (created when you add a plugin)"
    )
    assert main(["plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["user_plugins_folder"] == str(isolated_home / "plugins")
    by_name = {p["name"]: p for p in data["plugins"]}
    assert by_name["mless"]["state"] == "loaded"
    assert by_name["mless"]["provides"] == {"actions": ["invert-it", "blank"]}
    assert by_name["broken"]["state"] == "failed"
    assert "ModuleNotFoundError" in by_name["broken"]["reason"]
    assert by_name["dcgan"]["source"] == "built-in"


def test_core_loaded_model_satisfies_the_contract(registry) -> None:
    from ganstudio.core.model_files import resolve_model
    from ganstudio.core.models import load_model

    model = load_model(resolve_model("stylegan-faces-32"), registry)
    assert isinstance(model, specs.LoadedModel)
    assert model.generator is model.modules["G_ema"]


def test_literals_match_the_checked_sets() -> None:
    assert specs.INPUT_KINDS == {"none", "image", "voxels"}
    assert specs.OUTPUT_KINDS == {"image", "images", "model", "voxels"}
    assert {"sample", "latent", "w-latent", "upscale"} <= specs.CAPABILITIES
