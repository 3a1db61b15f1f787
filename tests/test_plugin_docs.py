"""plugins/README.md's example plugin works exactly as the document shows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ganstudio import plugins
from ganstudio.cli import main

DOC = Path(__file__).resolve().parent.parent / "plugins" / "README.md"


def blocks(language: str) -> list[str]:
    """The fenced code blocks of the document tagged ``language`` ("" for untagged)."""
    found, current, tag = [], None, ""
    for line in DOC.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, tag = [], line[3:].strip()
            else:
                if tag == language:
                    found.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return found


def test_drop_in_example(tmp_path: Path, monkeypatch, capsys) -> None:
    (code,) = [b for b in blocks("python") if b.startswith("# hello_noise.py")]
    folder = tmp_path / "my_plugins"
    folder.mkdir()
    (folder / "hello_noise.py").write_text(code)
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(folder))
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    shown = [b for b in blocks("") if "hello_noise 0.1 [loaded]" in b][0].splitlines()
    assert shown[0].split(" — ")[0] in out and shown[1].strip() in out
    image = tmp_path / "noise.png"
    assert main(["run", "hello-noise", "--param", "size=16", "-o", str(image)]) == 0
    from PIL import Image

    with Image.open(image) as im:
        assert im.size == (16, 16)
    plugins.purge_folder_modules()


def test_entry_point_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (toml,) = blocks("toml")
    group, name, module = re.search(
        r'\[project\.entry-points\."([^"]+)"\]\n(\w+) = "(\w+)"', toml
    ).groups()
    assert group == "ganstudio.plugins"
    code = [b for b in blocks("python") if b.startswith("# hello_noise.py")][0]
    site = tmp_path / "site"
    (site / module).mkdir(parents=True)
    (site / module / "__init__.py").write_text(code)
    dist = site / "ganstudio_hello-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ganstudio-hello\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{group}]\n{name} = {module}\n")
    monkeypatch.syspath_prepend(str(site))
    reg = plugins.discover()
    assert reg.plugins[name].source == "entry point"
    assert reg.action("hello-noise").name == "Hello noise"
