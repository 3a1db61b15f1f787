"""The wheel carries the built-in plugins, demo models and style (scripts/check_wheel.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ganstudio import plugins
from ganstudio.core import paths

REPO = Path(__file__).resolve().parent.parent


def test_checkout_finds_its_own_plugins_and_resources() -> None:
    assert plugins.BUILTIN_PLUGIN_DIR == REPO / "plugins"
    assert (paths.resources_dir() / "models" / "stylegan-faces-32.safetensors").is_file()
    assert (paths.resources_dir() / "style" / "dark.qss").is_file()


def test_setup_maps_every_plugin_package() -> None:
    """setup.py lists plugin packages with find_packages: each needs an __init__.py."""
    folders = {p.parent for p in (REPO / "plugins").rglob("*.py") if "__pycache__" not in p.parts}
    missing = [f for f in folders if not (f / "__init__.py").is_file() and f != REPO / "plugins"]
    assert not missing, f"folders with code but no __init__.py are left out of the wheel: {missing}"


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout() -> None:
    """Builds the wheel and uses it from a clean venv (about 1.5 min on two busy cores)."""
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "check_wheel.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check_wheel: OK" in done.stdout
