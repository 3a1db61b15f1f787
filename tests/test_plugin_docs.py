"""plugins/README.md is the complete reference, and its three examples work as written.

The examples' code blocks are written to files and their ``bash`` blocks are
run line by line through the CLI.  The entry-point example is installed the
way pip leaves a package — a module plus a ``*.dist-info`` folder with
``entry_points.txt`` on ``sys.path`` — which is exactly what
``importlib.metadata.entry_points`` (and so discovery) reads; building and
pip-installing a real wheel into a venv would test pip, not us, and take
seconds.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
import typing
from pathlib import Path

import pytest

from ganstudio import plugins
from ganstudio.cli import main
from ganstudio.core import specs

DOC = Path(__file__).resolve().parent.parent / "plugins" / "README.md"
TEXT = DOC.read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    """The fenced code blocks of the document tagged ``language`` ("" for untagged)."""
    found, current, tag = [], None, ""
    for line in TEXT.splitlines(keepends=True):
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


def python_block(first_line: str) -> str:
    (code,) = [b for b in blocks("python") if b.startswith(f"# {first_line}")]
    return code


def bash_block(containing: str) -> list[list[str]]:
    (block,) = [b for b in blocks("bash") if containing in b]
    return [shlex.split(line)[1:] for line in block.splitlines() if line.startswith("ganstudio ")]


def run_lines(lines: list[list[str]]) -> None:
    for argv in lines:
        plugins.set_registry(None)
        assert main([*argv, "--no-progress"] if argv[0] in ("train", "batch") else argv) == 0, argv


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "my_plugins"
    folder.mkdir()
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(folder))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    plugins.purge_folder_modules()


# --------------------------------------------------------------------------- examples


def test_example_1_drop_in_image_action(workdir: Path, capsys: pytest.CaptureFixture) -> None:
    from PIL import Image

    (workdir / "my_plugins" / "hello_noise.py").write_text(python_block("hello_noise.py"))
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    shown = [b for b in blocks("") if "hello_noise 0.1 [loaded]" in b][0].splitlines()
    assert shown[0].split(" — ")[0] in out and shown[1] in out.splitlines()
    (workdir / "photos").mkdir()
    Image.new("RGB", (12, 10), "white").save(workdir / "photos" / "a.png")
    run_lines(bash_block("hello-noise"))
    with Image.open(workdir / "noise.png") as noise, Image.open("mirrored.png") as mirrored:
        assert noise.size == (16, 16)
        assert mirrored.convert("RGB").getpixel((0, 0)) == noise.convert("RGB").getpixel((15, 0))
    assert [p.name for p in (workdir / "mirrored").glob("*.png")] == ["a.png"]


def test_example_2_variant_with_a_routine(workdir: Path, capsys: pytest.CaptureFixture) -> None:
    from PIL import Image

    (workdir / "tiny_gan.py").write_text(python_block("tiny_gan.py"))
    (workdir / "my_plugins" / "tiny_gan.py").write_text(python_block("tiny_gan.py"))
    run_lines(bash_block("tiny_gan.py"))
    out = capsys.readouterr().out
    assert "no problems found" in out and "variant tiny-gan: trained 2 steps" in out
    with Image.open(workdir / "tiny.png") as grid:
        assert grid.width >= 2 * 16
    assert not plugins.discover().failed


def test_example_3_entry_point_package(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (toml,) = blocks("toml")
    dist_name, version = re.search(r'name = "([^"]+)"\nversion = "([^"]+)"', toml).groups()
    group, name, module = re.search(
        r'\[project\.entry-points\."([^"]+)"\]\n(\w+) = "(\w+)"', toml
    ).groups()
    assert group == "ganstudio.plugins"
    site = workdir / "site"
    (site / module).mkdir(parents=True)
    (site / module / "__init__.py").write_text(python_block(f"{module}/__init__.py"))
    dist = site / f"{dist_name.replace('-', '_')}-{version}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n"
    )
    (dist / "entry_points.txt").write_text(f"[{group}]\n{name} = {module}\n")
    monkeypatch.syspath_prepend(str(site))
    (workdir / "my_plugins" / "tiny_gan.py").write_text(python_block("tiny_gan.py"))
    reg = plugins.discover()
    info = reg.plugins[name]
    assert (info.source, info.version, info.status) == ("entry point", version, "loaded")
    assert info.provides == {"objectives": ["soft-hinge"], "datasets": ["stripes"]}
    run_lines(bash_block("stripes:16"))
    assert (workdir / "runs" / "stripes" / "checkpoints" / "latest.safetensors").is_file()


# --------------------------------------------------------------------------- reference


def documented_members() -> dict[str, set[str]]:
    """``### `Name``` sections of the reference → the names in their tables' first column."""
    sections = re.split(r"^### ", TEXT, flags=re.M)[1:]
    out: dict[str, set[str]] = {}
    for section in sections:
        title, _, body = section.partition("\n")
        m = re.fullmatch(r"`(\w+)`", title.strip())
        if m:
            rows = re.findall(r"^\| `(\w+)` \|", body.split("\n## ")[0], flags=re.M)
            out[m.group(1)] = set(rows)
    return out


def public_contract() -> dict[str, set[str]]:
    """Every dataclass, Protocol and Literal that core/specs.py defines → its members."""
    out: dict[str, set[str]] = {}
    for name, obj in vars(specs).items():
        if name.startswith("_"):
            continue
        if isinstance(obj, type) and obj.__module__ == specs.__name__:
            if dataclasses.is_dataclass(obj):
                own = set(vars(obj).get("__annotations__", {}))
                out[name] = own
            elif getattr(obj, "_is_protocol", False):
                members = set(vars(obj).get("__annotations__", {})) | {
                    k
                    for k, v in vars(obj).items()
                    if not k.startswith("_") and (callable(v) or isinstance(v, property))
                }
                out[name] = members
        elif typing.get_origin(obj) is typing.Literal:
            out[name] = set()
    return out


# not part of what a plugin writes or receives: internal helpers of the contract module
NOT_FOR_PLUGINS = {"ParamError", "ConfigError", "ObjectiveFactory"}


def test_every_spec_class_and_field_is_documented() -> None:
    documented = documented_members()
    contract = {k: v for k, v in public_contract().items() if k not in NOT_FOR_PLUGINS}
    missing_classes = sorted(set(contract) - set(documented))
    assert not missing_classes, f"plugins/README.md has no section for {missing_classes}"
    for name, members in contract.items():
        if not members:
            continue
        assert documented[name] - members == set(), f"{name}: documented but not in specs.py"
        assert members - documented[name] == set(), f"{name}: in specs.py but not documented"


def test_every_literal_value_is_documented() -> None:
    sections = dict(
        (s.partition("\n")[0].strip("` "), s) for s in re.split(r"^### ", TEXT, flags=re.M)[1:]
    )
    for name in ("InputKind", "OutputKind", "Capability", "DataKind", "Layout"):
        for value in typing.get_args(getattr(specs, name)):
            assert f"`{value}`" in sections[name], f"{name}: {value!r} is not documented"


def test_the_sync_check_can_fail() -> None:
    """A field added to specs.py and not to the reference is caught."""
    contract = public_contract()
    assert "interactive" in contract["Action"] and "interactive" in documented_members()["Action"]
    assert "no_such_field" not in documented_members()["Action"]
