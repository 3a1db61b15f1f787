"""Where GAN Studio keeps the user's things (config, plugins, models, runs).

``GANSTUDIO_HOME`` puts everything under one folder (tests, portable installs);
otherwise the platform's conventions apply (platformdirs).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from ganstudio.core.atomic import atomic_write_text


@dataclass(frozen=True)
class UserDirs:
    config: Path
    plugins: Path
    models: Path
    runs: Path
    data: Path


def user_dirs() -> UserDirs:
    home = os.environ.get("GANSTUDIO_HOME")
    if home:
        root = Path(home).expanduser()
        return UserDirs(root / "config", root / "plugins", root / "models", root / "runs", root)
    data = Path(platformdirs.user_data_dir("ganstudio", appauthor=False))
    config = Path(platformdirs.user_config_dir("ganstudio", appauthor=False))
    return UserDirs(config, data / "plugins", data / "models", data / "runs", data)


def resources_dir() -> Path:
    """The bundled demo models and style: ``resources/`` of a checkout, or the installed copy.

    A wheel carries them as ``ganstudio/_resources`` (see ``setup.py``).
    """
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if (checkout / "style").is_dir():
        return checkout
    return Path(__file__).resolve().parents[1] / "_resources"


def _settings_file() -> Path:
    return user_dirs().config / "settings.json"


def load_settings() -> dict[str, Any]:
    """The persisted settings; a damaged file is treated as empty, never fatal."""
    path = _settings_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_settings(settings: dict[str, Any]) -> None:
    atomic_write_text(_settings_file(), json.dumps(settings, indent=2, sort_keys=True))


def update_settings(**changes: Any) -> dict[str, Any]:
    settings = load_settings()
    settings.update(changes)
    save_settings(settings)
    return settings


def cache_dir() -> Path:
    """Rebuildable data (e.g. reference statistics of data sets): safe to delete."""
    home = os.environ.get("GANSTUDIO_HOME")
    if home:
        return Path(home).expanduser() / "cache"
    return Path(platformdirs.user_cache_dir("ganstudio", appauthor=False))
