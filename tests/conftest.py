"""Shared fixtures: every test gets its own user folders and a fresh registry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent

# the fixtures plugin authors get (an installed GAN Studio registers it as a pytest11
# entry point under this same name, so it is never loaded twice)
pytest_plugins = ["ganstudio.testing"]


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """User config, plugins, models and runs in a temp folder; no plugin path, no safe mode."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("GANSTUDIO_HOME", str(home))
    monkeypatch.delenv("GANSTUDIO_PLUGIN_PATH", raising=False)
    monkeypatch.delenv("GANSTUDIO_SAFE_MODE", raising=False)
    from ganstudio import plugins

    plugins.set_registry(None)
    yield home
    plugins.set_registry(None)


@pytest.fixture(scope="session", autouse=True)
def _few_threads() -> None:
    """Two cores are shared by the whole suite: keep torch from oversubscribing."""
    try:
        import torch
    except ImportError:  # the Qt-free, torch-free subset still runs
        return
    torch.set_num_threads(1)


@pytest.fixture
def registry():
    from ganstudio import plugins

    return plugins.get_registry()
