"""Discovery and failure isolation, with real plugin files in temp folders."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ganstudio import plugins
from ganstudio.core.registry import UnknownSpecError

GOOD = """
from ganstudio.core.specs import Action, ActionResult, IntParam
GANSTUDIO_API = 1
__version__ = "2.3"

def _run(model, params, inputs=None):
    return ActionResult(images=[])

def ganstudio_actions():
    return [Action("noop-{name}", "No-op", _run, params=(IntParam("n", 1, min=0, max=3),))]
"""


def write_plugin(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(source).replace("{name}", name), encoding="utf-8")
    return path


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "extra_plugins"
    folder.mkdir()
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(folder))
    yield folder
    plugins.purge_folder_modules()


def test_builtins_are_discovered_like_any_plugin() -> None:
    reg = plugins.discover()
    assert {"core", "dcgan", "objectives"} <= set(reg.plugins)
    assert reg.plugins["dcgan"].source == "built-in"
    assert {"dcgan", "gan"} <= set(reg.ids("variants"))
    assert {"bce", "lsgan", "wgan-gp", "hinge"} <= set(reg.ids("objectives"))
    assert {"procedural", "folder"} <= set(reg.ids("datasets"))
    assert not reg.failed


def test_drop_in_plugin_from_env_path(plugin_dir: Path) -> None:
    write_plugin(plugin_dir, "goodplug", GOOD)
    reg = plugins.discover()
    info = reg.plugins["goodplug"]
    assert info.status == "loaded" and info.version == "2.3"
    assert info.source == "GANSTUDIO_PLUGIN_PATH"
    assert reg.action("noop-goodplug").name == "No-op"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("GANSTUDIO_API = 1\ndef ganstudio_actions(:\n", "SyntaxError"),
        ("import no_such_module_xyz\nGANSTUDIO_API = 1\n", "ModuleNotFoundError"),
        ("GANSTUDIO_API = 99\n", "GANSTUDIO_API = 99"),
        ("x = 1\n", "does not declare GANSTUDIO_API"),
        ("GANSTUDIO_API = 1\ndef ganstudio_variants():\n    raise RuntimeError('boom')\n", "boom"),
        (
            "GANSTUDIO_API = 1\ndef ganstudio_variants():\n    return ['not a spec']\n",
            "expected Variant",
        ),
        ("GANSTUDIO_API = 1\ndef ganstudio_variantz():\n    return []\n", "ganstudio_variantz"),
        ("import sys\nGANSTUDIO_API = 1\nsys.exit(3)\n", "SystemExit"),
    ],
    ids=[
        "syntax",
        "import",
        "api-version",
        "no-api",
        "hook-raises",
        "wrong-type",
        "misspelled",
        "sys-exit",
    ],
)
def test_broken_plugin_is_reported_and_others_load(
    plugin_dir: Path, source: str, reason: str
) -> None:
    write_plugin(plugin_dir, "aaa_broken", source)
    write_plugin(plugin_dir, "zzz_good", GOOD)
    reg = plugins.discover()
    broken = reg.plugins["aaa_broken"]
    assert broken.status == "failed"
    assert reason in broken.error
    assert reg.plugins["zzz_good"].status == "loaded"
    assert reg.action("noop-zzz_good")
    assert reg.plugins["dcgan"].status == "loaded"
    assert not broken.provides  # nothing half-registered


def test_hook_that_raises_leaves_none_of_its_specs(plugin_dir: Path) -> None:
    write_plugin(
        plugin_dir, "half", GOOD + "\ndef ganstudio_objectives():\n    raise ValueError('x')\n"
    )
    reg = plugins.discover()
    with pytest.raises(UnknownSpecError):
        reg.action("noop-half")


def test_clashing_ids_are_namespaced(plugin_dir: Path) -> None:
    same = GOOD.replace("noop-{name}", "shared")
    write_plugin(plugin_dir, "one", same)
    write_plugin(plugin_dir, "two", same)
    reg = plugins.discover()
    assert any("'shared'" in p and "one:shared" in p and "two:shared" in p for p in reg.problems)
    assert reg.action("one:shared") is not reg.action("two:shared")
    with pytest.raises(UnknownSpecError, match="ambiguous"):
        reg.action("shared")


def test_third_party_cannot_hijack_a_builtin_id(plugin_dir: Path) -> None:
    write_plugin(
        plugin_dir,
        "evil",
        """
        from ganstudio.core.specs import Objective
        GANSTUDIO_API = 1
        def ganstudio_objectives():
            return [Objective("bce", "fake bce", lambda **k: None)]
    """,
    )
    reg = plugins.discover()
    assert reg.objective("bce").name == "Non-saturating BCE"
    assert reg.objective("evil:bce").name == "fake bce"
    assert reg.problems


def test_same_plugin_name_twice_is_reported(plugin_dir: Path, isolated_home: Path) -> None:
    write_plugin(plugin_dir, "twin", GOOD)
    write_plugin(isolated_home / "plugins", "twin", GOOD)
    reg = plugins.discover()
    assert reg.plugins["twin"].status == "loaded"
    dupes = [p for p in reg.plugins.values() if p.name.startswith("twin (")]
    assert dupes and "already loaded" in dupes[0].error


def test_safe_mode_loads_only_builtins(plugin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_plugin(plugin_dir, "extra", GOOD)
    assert "extra" not in plugins.discover(safe_mode=True).plugins
    monkeypatch.setenv("GANSTUDIO_SAFE_MODE", "1")
    reg = plugins.discover()
    assert "extra" not in reg.plugins and "dcgan" in reg.plugins


def test_disable_list_persists_and_skips_import(plugin_dir: Path) -> None:
    write_plugin(plugin_dir, "noisy", "raise RuntimeError('must not be imported')\n")
    plugins.set_plugin_disabled("noisy", True)
    reg = plugins.discover()
    assert reg.plugins["noisy"].status == "disabled"
    plugins.set_plugin_disabled("noisy", False)
    assert plugins.discover().plugins["noisy"].status == "failed"


def test_package_plugin_with_relative_imports(plugin_dir: Path) -> None:
    pkg = plugin_dir / "pkgplug"
    pkg.mkdir()
    (pkg / "helpers.py").write_text("LABEL = 'from helper'\n")
    (pkg / "__init__.py").write_text(
        textwrap.dedent("""
        from ganstudio.core.specs import Action, ActionResult
        from .helpers import LABEL
        GANSTUDIO_API = 1
        def ganstudio_actions():
            return [Action("pkg-action", LABEL, lambda m, p, i=None: ActionResult([]))]
    """)
    )
    assert plugins.discover().action("pkg-action").name == "from helper"


def test_entry_point_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    write_plugin(site, "epplug_mod", GOOD.replace("noop-{name}", "from-entry-point"))
    dist = site / "epplug-0.7.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: epplug\nVersion: 0.7\n")
    (dist / "entry_points.txt").write_text("[ganstudio.plugins]\nepplug = epplug_mod\n")
    monkeypatch.syspath_prepend(str(site))
    reg = plugins.discover()
    info = reg.plugins["epplug"]
    assert info.source == "entry point" and info.version == "0.7"
    assert reg.action("from-entry-point")


def test_reload_picks_up_a_new_drop_in(plugin_dir: Path) -> None:
    plugins.discover()
    write_plugin(plugin_dir, "late", GOOD)
    assert "late" in plugins.reload().plugins


def test_discovery_does_not_import_torch_or_qt() -> None:
    code = (
        "import sys, ganstudio.plugins as p; r = p.discover(); "
        "assert 'dcgan' in r.plugins, r.plugins; "
        "bad = [m for m in ('torch', 'PySide6') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
