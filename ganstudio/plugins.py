"""Plugin discovery: core, built-in folder, entry points, user folder, env path.

Each plugin is imported, checked and asked for its specs on its own, so a
plugin with a syntax error, a failing import, an unknown API version or a
hook that raises is disabled and reported while every other plugin loads.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import logging
import os
import sys
import traceback
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy

from ganstudio import hookspecs
from ganstudio.core import paths
from ganstudio.core.registry import PluginInfo, Registry
from ganstudio.core.specs import SPEC_TYPES, SUPPORTED_API_VERSIONS

log = logging.getLogger("ganstudio.plugins")

BUILTIN_PLUGIN_DIR = Path(__file__).resolve().parent.parent / "plugins"
PLUGIN_PATH_ENV = "GANSTUDIO_PLUGIN_PATH"
SAFE_MODE_ENV = "GANSTUDIO_SAFE_MODE"
_FOLDER_MODULE_PREFIX = "_ganstudio_plugins_"


class GanStudioPluginManager(pluggy.PluginManager):
    """Accepts unmarked module-level ``ganstudio_*`` functions as hook impls.

    So a drop-in file needs no pluggy import (pytest does the same for
    ``pytest_*``).  Marked implementations keep their options.
    """

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith("ganstudio_") and callable(getattr(plugin, name, None)):
            return {}
        return opts


@dataclass(frozen=True)
class Candidate:
    """A plugin found but not yet imported."""

    name: str
    source: str
    location: str
    load: Any  # () -> module


def safe_mode_requested(flag: bool | None = None) -> bool:
    if flag is not None:
        return flag
    return os.environ.get(SAFE_MODE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def disabled_plugins() -> set[str]:
    return set(paths.load_settings().get("disabled_plugins", []))


def set_plugin_disabled(name: str, disabled: bool) -> None:
    """Persist a user's choice to switch one plugin off without deleting it."""
    names = disabled_plugins()
    (names.add if disabled else names.discard)(name)
    paths.update_settings(disabled_plugins=sorted(names))


def plugin_path_dirs() -> list[Path]:
    raw = os.environ.get(PLUGIN_PATH_ENV, "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


# --------------------------------------------------------------------------- finding


def _folder_candidates(folder: Path, source: str) -> Iterator[Candidate]:
    if not folder.is_dir():
        return
    prefix = _FOLDER_MODULE_PREFIX + hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:10]
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(("_", ".")):
            continue
        if entry.is_file() and entry.suffix == ".py":
            name = entry.stem
            init = entry
        elif entry.is_dir() and (entry / "__init__.py").is_file():
            name = entry.name
            init = entry / "__init__.py"
        else:
            continue
        yield Candidate(
            name, source, str(entry), lambda n=name, i=init, p=prefix: _import_file(p, n, i)
        )


def _import_file(prefix: str, name: str, init: Path) -> types.ModuleType:
    """Import a drop-in module or package under a private, unique module name."""
    if prefix not in sys.modules:
        parent = types.ModuleType(prefix)
        parent.__path__ = []  # a namespace-like parent so relative imports resolve
        sys.modules[prefix] = parent
    full = f"{prefix}.{name}"
    is_package = init.name == "__init__.py"
    spec = importlib.util.spec_from_file_location(
        full, init, submodule_search_locations=[str(init.parent)] if is_package else None
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {init}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(full, None)
        raise
    return module


def _entry_point_candidates() -> Iterator[Candidate]:
    for ep in importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        where = f"{dist.name} {dist.version}" if dist is not None else ep.value
        yield Candidate(ep.name, "entry point", where, ep.load)


def find_candidates(safe_mode: bool = False) -> Iterator[Candidate]:
    """Every plugin source in priority order (built-ins first)."""
    yield Candidate(
        "core", "core", "ganstudio.builtin", lambda: importlib.import_module("ganstudio.builtin")
    )
    yield from _folder_candidates(BUILTIN_PLUGIN_DIR, "built-in")
    if safe_mode:
        return
    yield from _entry_point_candidates()
    yield from _folder_candidates(paths.user_dirs().plugins, "user folder")
    for folder in plugin_path_dirs():
        yield from _folder_candidates(folder, PLUGIN_PATH_ENV)


# --------------------------------------------------------------------------- loading


def _short_error(exc: BaseException) -> str:
    """One line that names the cause and, for code errors, where it happened."""
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} ({Path(exc.filename or '?').name}, line {exc.lineno})"
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _collect_specs(pm: pluggy.PluginManager, module: Any) -> dict[str, list[Any]]:
    """Call each hook of one plugin on its own and type-check what it returns."""
    from ganstudio.core.specs import iter_specs

    found: dict[str, list[Any]] = {}
    for kind, spec_type in SPEC_TYPES.items():
        caller = getattr(pm.hook, f"ganstudio_{kind}")
        for impl in caller.get_hookimpls():
            if impl.plugin is not module:
                continue
            specs = list(iter_specs(impl.function()))
            for spec in specs:
                if not isinstance(spec, spec_type):
                    raise TypeError(
                        f"ganstudio_{kind}() returned {type(spec).__name__}, "
                        f"expected {spec_type.__name__}"
                    )
            found.setdefault(kind, []).extend(specs)
    return found


def discover(
    safe_mode: bool | None = None, candidates: Iterable[Candidate] | None = None
) -> Registry:
    """Load every plugin that can be loaded; report the rest.  Never raises."""
    safe = safe_mode_requested(safe_mode)
    disabled = disabled_plugins()
    registry = Registry()
    pm = GanStudioPluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for cand in candidates if candidates is not None else find_candidates(safe):
        info = PluginInfo(cand.name, cand.source, cand.location)
        if cand.name in registry.plugins:
            other = registry.plugins[cand.name]
            info = PluginInfo(f"{cand.name} ({cand.source})", cand.source, cand.location)
            info.error = f"a plugin named {cand.name!r} is already loaded from {other.location}"
            registry.add_plugin(info)
            continue
        registry.add_plugin(info)
        if cand.name in disabled and cand.source != "core":
            info.disabled = True
            continue
        try:
            module = cand.load()
            info.version = str(getattr(module, "__version__", info.version))
            if info.source == "entry point":
                info.version = info.location.rsplit(" ", 1)[-1]
            api = getattr(module, "GANSTUDIO_API", None)
            if api is None:
                raise _PluginError("does not declare GANSTUDIO_API")
            if api not in SUPPORTED_API_VERSIONS:
                wanted = ", ".join(map(str, sorted(SUPPORTED_API_VERSIONS)))
                raise _PluginError(
                    f"declares GANSTUDIO_API = {api!r}; this GAN Studio supports {wanted}"
                )
            pm.register(module, name=cand.name)
            try:
                pm.check_pending()  # a misspelled ganstudio_* hook is an error, not silence
                specs = _collect_specs(pm, module)
            except BaseException:
                pm.unregister(module)
                raise
        except _PluginError as exc:
            info.error = str(exc)
        except (Exception, SystemExit) as exc:  # a plugin must never take the app down
            info.error = _short_error(exc)
        if info.error:
            log.warning("plugin %s (%s) disabled: %s", cand.name, cand.location, info.error)
            continue
        for kind, specs_of_kind in specs.items():
            for spec in specs_of_kind:
                registry.add(kind, cand.name, spec)
    for problem in registry.problems:
        log.warning("%s", problem)
    return registry


class _PluginError(Exception):
    pass


def purge_folder_modules() -> None:
    """Forget imported drop-in modules so a reload picks up edited files."""
    for name in [n for n in sys.modules if n.startswith(_FOLDER_MODULE_PREFIX)]:
        del sys.modules[name]


def reload(safe_mode: bool | None = None) -> Registry:
    purge_folder_modules()
    importlib.invalidate_caches()
    return discover(safe_mode)


_REGISTRY: Registry | None = None


def get_registry(safe_mode: bool | None = None) -> Registry:
    """The process-wide registry, discovered on first use."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = discover(safe_mode)
    return _REGISTRY


def set_registry(registry: Registry | None) -> None:
    global _REGISTRY
    _REGISTRY = registry
