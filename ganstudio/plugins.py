"""Plugin discovery: core, built-in folder, entry points, user folder, env path.

Each plugin is imported, checked and asked for its specs on its own, so a
plugin with a syntax error, a failing import, an unknown API version or a
hook that raises is disabled and reported while every other plugin loads.

A third-party plugin (entry point, user folder, ``GANSTUDIO_PLUGIN_PATH``) is
first *probed* in a child process with a time limit, once per content: the
verdict is cached by a hash of its files in the user's config folder, so the
cost (about half a second, in parallel for several plugins) is paid when a
plugin is new or changed, never at every start.  A plugin that hangs at
import or in a hook, ends the process (``os._exit``), raises a
``BaseException`` or leaves a non-daemon thread behind is disabled with the
reason and never imported into the application.  In the application itself
every ``BaseException`` a plugin raises is caught too, except
``KeyboardInterrupt``: there it is the user's Ctrl-C and must stop the command
(a plugin raising it on its own is caught by the probe, which runs in its own
session and so never receives the terminal's Ctrl-C).
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from ganstudio import hookspecs
from ganstudio.core import paths
from ganstudio.core.atomic import atomic_write_text
from ganstudio.core.registry import PluginInfo, Registry
from ganstudio.core.specs import SPEC_TYPES, SUPPORTED_API_VERSIONS, spec_problems

log = logging.getLogger("ganstudio.plugins")


def _builtin_plugin_dir() -> Path:
    """The built-in plugins: ``plugins/`` of a source tree, or ``ganstudio_plugins`` installed."""
    source_tree = Path(__file__).resolve().parent.parent / "plugins"
    if (source_tree / "README.md").is_file() and source_tree.is_dir():
        return source_tree
    spec = importlib.util.find_spec("ganstudio_plugins")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return source_tree


BUILTIN_PLUGIN_DIR = _builtin_plugin_dir()
PLUGIN_PATH_ENV = "GANSTUDIO_PLUGIN_PATH"
SAFE_MODE_ENV = "GANSTUDIO_SAFE_MODE"
PROBE_TIMEOUT_ENV = "GANSTUDIO_PLUGIN_PROBE_TIMEOUT"
#: generous: a plugin that (against the rules) imports torch at module level still passes
DEFAULT_PROBE_TIMEOUT = 20.0
#: how long the child may take to start Python and GAN Studio before the plugin loads
STARTUP_LIMIT = 60.0
#: sources probed in a child process before they are imported; built-ins are trusted
PROBED_SOURCES = frozenset({"entry point", "user folder", PLUGIN_PATH_ENV})
_FOLDER_MODULE_PREFIX = "_ganstudio_plugins_"
_CACHE_NAME = "plugin_checks.json"
HOOK_NAMES = tuple(f"ganstudio_{kind}" for kind in SPEC_TYPES)


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


def new_plugin_manager() -> GanStudioPluginManager:
    pm = GanStudioPluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


@dataclass(frozen=True)
class Candidate:
    """A plugin found but not yet imported.

    ``files`` are what its code is read from (hashed to know whether a cached
    probe verdict still holds); ``folder`` is the plugins folder it was found
    in (empty for entry points and the core).
    """

    name: str
    source: str
    location: str
    load: Callable[[], types.ModuleType]
    files: tuple[Path, ...] = ()
    folder: str = ""
    root: str = ""  # the plugin's own file or package folder, for error locations

    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.source}\0{self.location}".encode())
        for path in self.files:
            digest.update(str(path).encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError as exc:
                digest.update(repr(exc).encode())
        return digest.hexdigest()


def safe_mode_requested(flag: bool | None = None) -> bool:
    if flag is not None:
        return flag
    return os.environ.get(SAFE_MODE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def disabled_plugins() -> set[str]:
    names = paths.load_settings().get("disabled_plugins", [])
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def set_plugin_disabled(name: str, disabled: bool) -> None:
    """Persist a user's choice to switch one plugin off without deleting it."""
    names = disabled_plugins()
    (names.add if disabled else names.discard)(name)
    paths.update_settings(disabled_plugins=sorted(names))


def plugin_path_dirs() -> list[Path]:
    raw = os.environ.get(PLUGIN_PATH_ENV, "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


def probe_timeout() -> float:
    try:
        return max(0.5, float(os.environ.get(PROBE_TIMEOUT_ENV, DEFAULT_PROBE_TIMEOUT)))
    except ValueError:
        return DEFAULT_PROBE_TIMEOUT


# --------------------------------------------------------------------------- finding


def _code_files(root: Path) -> tuple[Path, ...]:
    """The files a module or package is made of (what a change would alter)."""
    if root.is_file():
        return (root,)
    found = [
        p
        for p in root.rglob("*")
        if p.suffix in {".py", ".so", ".pyd"} and "__pycache__" not in p.parts and p.is_file()
    ]
    return tuple(sorted(found))


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
            name,
            source,
            str(entry),
            functools.partial(_import_file, prefix, name, init),
            files=_code_files(entry) if source in PROBED_SOURCES else (),
            folder=str(folder),
            root=str(entry),
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


def _entry_point_root(ep: importlib.metadata.EntryPoint) -> Path | None:
    """Where an entry point's top-level module lives, found without importing it."""
    top = ep.value.split(":")[0].split(".")[0].strip()
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin) if spec.origin else None


def _entry_point_candidates() -> Iterator[Candidate]:
    for ep in importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        where = f"{dist.name} {dist.version}" if dist is not None else ep.value
        root = _entry_point_root(ep)
        yield Candidate(
            ep.name,
            "entry point",
            where,
            ep.load,
            files=_code_files(root) if root is not None else (),
            root=str(root or ""),
        )


def find_candidates(safe_mode: bool = False) -> Iterator[Candidate]:
    """Every plugin source in priority order (built-ins first).  Imports nothing."""
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


class _PluginError(Exception):
    pass


def _where(filename: str, lineno: int | None, root: str = "") -> str:
    """``file.py:12``, relative to the plugin's package folder when inside it."""
    path = Path(filename)
    if root and Path(root).is_dir():
        with contextlib.suppress(ValueError):
            return f"{Path(root).name}/{path.relative_to(root).as_posix()}:{lineno}"
    return f"{path.name}:{lineno}"


def _short_error(exc: BaseException, root: str = "") -> str:
    """One line that names the cause and where it happened (in the plugin's code if it can)."""
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} ({_where(exc.filename or '?', exc.lineno, root)})"
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if root and f.filename.startswith(root)] or frames
    where = f" ({_where(own[-1].filename, own[-1].lineno, root)})" if own else ""
    text = str(exc)
    return f"{type(exc).__name__}{': ' + text if text else ''}{where}"


def _function_location(func: Any, root: str = "") -> str:
    code = getattr(func, "__code__", None)
    if code is None:
        return "?"
    return _where(code.co_filename, code.co_firstlineno, root)


def _check_hook_names(module: types.ModuleType, root: str) -> None:
    """A misspelled ``ganstudio_*`` function is an error at its own line, with a suggestion."""
    for attr, value in vars(module).items():
        if not attr.startswith("ganstudio_") or not callable(value) or attr in HOOK_NAMES:
            continue
        close = difflib.get_close_matches(attr, HOOK_NAMES, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else f" (hooks: {', '.join(HOOK_NAMES)})"
        raise _PluginError(
            f"{_function_location(value, root)}: {attr} is not a GAN Studio hook{hint}"
        )


def _collect_specs(pm: pluggy.PluginManager, module: Any, root: str = "") -> dict[str, list[Any]]:
    """Call each hook of one plugin on its own and check what it returns."""
    from ganstudio.core.specs import iter_specs

    found: dict[str, list[Any]] = {}
    for kind, spec_type in SPEC_TYPES.items():
        caller = getattr(pm.hook, f"ganstudio_{kind}")
        for impl in caller.get_hookimpls():
            if impl.plugin is not module:
                continue
            at = _function_location(impl.function, root)
            try:
                specs = list(iter_specs(impl.function()))
            except TypeError as exc:
                if exc.__traceback__ and exc.__traceback__.tb_next is None:
                    raise _PluginError(
                        f"{at}: ganstudio_{kind}() must return a list of {spec_type.__name__}"
                    ) from None
                raise
            for spec in specs:
                if not isinstance(spec, spec_type):
                    raise _PluginError(
                        f"{at}: ganstudio_{kind}() returned {type(spec).__name__}, "
                        f"expected {spec_type.__name__}"
                    )
                problems = spec_problems(spec)
                if problems:
                    made = getattr(spec, "defined_at", "") or at
                    raise _PluginError(f"{_short_path(made, root)}: {problems[0]}")
            found.setdefault(kind, []).extend(specs)
    return found


def _short_path(location: str, root: str) -> str:
    """``/abs/path/plug.py:12`` → ``plug.py:12`` (relative to the package when inside it)."""
    filename, sep, line = location.rpartition(":")
    if not sep or not line.isdigit():
        return location
    return _where(filename, int(line), root)


def load_plugin(pm: pluggy.PluginManager, cand: Candidate) -> tuple[Any, dict[str, list[Any]]]:
    """Import one plugin, check its API version and hooks, and collect its specs.

    Raises ``_PluginError`` for contract violations and whatever the plugin
    itself raises; the plugin is unregistered again on failure.
    """
    module = cand.load()
    api = getattr(module, "GANSTUDIO_API", None)
    if api is None:
        raise _PluginError("does not declare GANSTUDIO_API")
    if api not in SUPPORTED_API_VERSIONS:
        wanted = ", ".join(map(str, sorted(SUPPORTED_API_VERSIONS)))
        raise _PluginError(f"declares GANSTUDIO_API = {api!r}; this GAN Studio supports {wanted}")
    _check_hook_names(module, cand.root)
    pm.register(module, name=cand.name)
    try:
        pm.check_pending()
        specs = _collect_specs(pm, module, cand.root)
    except BaseException:
        pm.unregister(module)
        raise
    return module, specs


def _version_of(module: Any, info: PluginInfo) -> str:
    if info.source == "entry point":
        return info.location.rsplit(" ", 1)[-1]
    return str(getattr(module, "__version__", info.version))


# --------------------------------------------------------------------------- probing


def _cache_file() -> Path:
    return paths.user_dirs().config / _CACHE_NAME


def _load_cache() -> dict[str, Any]:
    """The probe verdicts and last-known contents; a damaged file counts as empty."""
    try:
        data = json.loads(_cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"probes": {}, "provides": {}}
    if not isinstance(data, dict):
        return {"probes": {}, "provides": {}}
    for key in ("probes", "provides"):
        if not isinstance(data.get(key), dict):
            data[key] = {}
    return data


def _save_cache(data: dict[str, Any]) -> None:
    try:
        atomic_write_text(_cache_file(), json.dumps(data, indent=1, sort_keys=True))
    except OSError as exc:  # a read-only config folder costs a probe next time, nothing more
        log.info("could not save plugin checks: %s", exc)


def forget_probe(location: str) -> None:
    """Drop a cached verdict, so the plugin is checked again at the next start."""
    cache = _load_cache()
    if cache["probes"].pop(location, None) is not None:
        _save_cache(cache)


def _probe_code() -> str:
    return (
        "import json, sys; sys.path[:] = json.loads(sys.argv[2]); "
        "from ganstudio.plugins import _probe_main; _probe_main(sys.argv[1])"
    )


@dataclass
class _Probe:
    cand: Candidate
    proc: subprocess.Popen[bytes]
    result: Path
    verdict: dict[str, Any] = field(default_factory=dict)


def probe(candidates: list[Candidate], timeout: float | None = None) -> dict[str, dict[str, Any]]:
    """Load each candidate in a child process of its own, all at once, within ``timeout``.

    Returns ``{location: {"ok": bool, "reason": str}}``.  The children run in
    their own session, so the terminal's Ctrl-C reaches only this process, which
    then ends them all.
    """
    limit = probe_timeout() if timeout is None else timeout
    verdicts: dict[str, dict[str, Any]] = {}
    if not candidates:
        return verdicts
    with tempfile.TemporaryDirectory(prefix="ganstudio-probe-") as tmp:
        running: list[_Probe] = []
        try:
            for i, cand in enumerate(candidates):
                request = Path(tmp) / f"{i}.json"
                result = Path(tmp) / f"{i}.out.json"
                request.write_text(
                    json.dumps(
                        {
                            "name": cand.name,
                            "source": cand.source,
                            "folder": cand.folder,
                            "result": str(result),
                        }
                    ),
                    encoding="utf-8",
                )
                proc = subprocess.Popen(
                    [sys.executable, "-c", _probe_code(), str(request), json.dumps(sys.path)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                    env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                )
                running.append(_Probe(cand, proc, result))
            _wait_for(running, limit)
        finally:
            for p in running:
                _end(p.proc)
        for p in running:
            verdicts[p.cand.location] = p.verdict
    return verdicts


def _wait_for(running: list[_Probe], limit: float) -> None:
    """Collect each probe's verdict; ``limit`` counts from when the plugin starts loading.

    Starting Python and GAN Studio in the child is not the plugin's time: on a
    busy machine that alone can take seconds.  A child that never gets that far
    (within ``STARTUP_LIMIT``) blames no plugin and is not cached.
    """
    pending = list(running)
    started_at: dict[int, float] = {}
    give_up = time.monotonic() + max(STARTUP_LIMIT, limit)
    while pending:
        now = time.monotonic()
        for p in list(pending):
            if p.proc.poll() is not None:
                p.verdict = _read_verdict(p)
            elif id(p) not in started_at and _started(p):
                started_at[id(p)] = now
                continue
            elif id(p) in started_at and now - started_at[id(p)] > limit:
                p.verdict = {
                    "ok": False,
                    "reason": f"did not finish loading within {limit:g} s "
                    "(it hangs at import or in a hook)",
                }
            elif id(p) not in started_at and now > give_up:
                p.verdict = {
                    "ok": False,
                    "retry": True,
                    "reason": "could not be checked (GAN Studio did not start in the child "
                    f"process within {max(STARTUP_LIMIT, limit):g} s); it is checked again "
                    "at the next start",
                }
            else:
                continue
            pending.remove(p)
        if pending:
            time.sleep(0.02)


def _started(p: _Probe) -> bool:
    """Whether the child got as far as loading the plugin (it writes a marker first)."""
    return p.result.with_suffix(".started").exists()


def _read_verdict(p: _Probe) -> dict[str, Any]:
    try:
        verdict = json.loads(p.result.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        verdict = None
    if isinstance(verdict, dict) and isinstance(verdict.get("ok"), bool):
        return {"ok": verdict["ok"], "reason": str(verdict.get("reason", ""))}
    if not _started(p):
        # GAN Studio itself could not start in the child (a broken environment): the
        # plugin is not to blame, so it is loaded as before and checked again next time
        log.warning(
            "could not check plugin %s in a child process (exit code %s)",
            p.cand.name,
            p.proc.returncode,
        )
        return {"ok": True, "retry": True, "reason": ""}
    code = p.proc.returncode
    how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return {
        "ok": False,
        "reason": f"ended the process while loading ({how}: os._exit, sys.exit in a thread, "
        "or a crash)",
    }


def _end(proc: subprocess.Popen[bytes]) -> None:
    """Stop a probe and anything it started (its own process group)."""
    if proc.poll() is None:
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, 9)
            else:  # pragma: no cover - Windows
                proc.kill()
        except OSError:
            proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def _probe_main(request_file: str) -> None:
    """In the child: load one plugin as discovery would, then say how it went."""
    request = json.loads(Path(request_file).read_text(encoding="utf-8"))
    result = Path(request["result"])
    result.with_suffix(".started").touch()  # GAN Studio is up: what follows is the plugin
    verdict: dict[str, Any]
    try:
        verdict = _probe_one(request)
    except BaseException as exc:  # noqa: B036 - reporting a plugin's failure is the point
        verdict = {"ok": False, "reason": _short_error(exc)}
    result.write_text(json.dumps(verdict), encoding="utf-8")
    sys.stdout.flush()
    os._exit(0)  # never wait for threads or atexit handlers the plugin left behind


def _probe_one(request: dict[str, Any]) -> dict[str, Any]:
    source, name, folder = request["source"], request["name"], request["folder"]
    found = (
        _entry_point_candidates()
        if source == "entry point"
        else (_folder_candidates(Path(folder), source))
    )
    cand = next((c for c in found if c.name == name), None)
    if cand is None:
        return {"ok": False, "reason": "disappeared while it was being checked"}
    before = set(threading.enumerate())
    try:
        load_plugin(new_plugin_manager(), cand)
    except _PluginError:
        return {"ok": True, "reason": ""}  # a plain contract error: reported in-process
    except (Exception, SystemExit):
        return {"ok": True, "reason": ""}  # an ordinary exception is caught in-process too
    except BaseException as exc:  # noqa: B036
        return {"ok": False, "reason": f"raised {_short_error(exc, cand.root)} while loading"}
    stray = [t for t in threading.enumerate() if t not in before and not t.daemon and t.is_alive()]
    if stray:
        return {
            "ok": False,
            "reason": f"started a non-daemon thread ({stray[0].name!r}) while loading, which "
            "keeps GAN Studio from exiting; start it with daemon=True, and only when used",
        }
    return {"ok": True, "reason": ""}


def _probe_verdicts(candidates: list[Candidate], cache: dict[str, Any]) -> dict[str, str]:
    """``{location: reason}`` for every probed candidate found unsafe; probes what is new."""
    probes: dict[str, Any] = cache["probes"]
    retry: dict[str, str] = {}  # not cached: the check itself could not run
    todo: list[Candidate] = []
    fingerprints: dict[str, str] = {}
    for cand in candidates:
        fingerprint = fingerprints[cand.location] = cand.fingerprint()
        cached = probes.get(cand.location)
        if not (isinstance(cached, dict) and cached.get("fingerprint") == fingerprint):
            todo.append(cand)
    if todo:
        log.info("checking %d new or changed plugin(s) in a child process", len(todo))
        for location, verdict in probe(todo).items():
            if verdict.pop("retry", False):
                probes.pop(location, None)
                if not verdict["ok"]:
                    retry[location] = verdict["reason"]
                continue
            probes[location] = {**verdict, "fingerprint": fingerprints[location]}
        cache["dirty"] = True
    unsafe: dict[str, str] = dict(retry)
    for cand in candidates:
        verdict = probes.get(cand.location, {})
        if not verdict.get("ok", True):
            unsafe[cand.location] = str(verdict.get("reason", "failed its check"))
    return unsafe


# --------------------------------------------------------------------------- discovery


def discover(
    safe_mode: bool | None = None,
    candidates: Iterable[Candidate] | None = None,
    summary: bool = True,
) -> Registry:
    """Load every plugin that can be loaded; report the rest.  Never raises.

    With ``summary`` one warning line says how many plugins failed (the
    details are logged at INFO level and shown by ``ganstudio plugins``).
    """
    safe = safe_mode_requested(safe_mode)
    disabled = disabled_plugins()
    registry = Registry()
    pm = new_plugin_manager()
    cands = list(candidates if candidates is not None else find_candidates(safe))
    cache = _load_cache()
    to_probe = [c for c in cands if c.source in PROBED_SOURCES and c.name not in disabled]
    unsafe = _probe_verdicts(to_probe, cache)
    known_provides: dict[str, Any] = cache["provides"]
    for cand in cands:
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
            last = known_provides.get(cand.name)
            if isinstance(last, dict):
                info.provides = {k: list(v) for k, v in last.items() if isinstance(v, list)}
            continue
        if cand.location in unsafe:
            info.error = f"disabled automatically: {unsafe[cand.location]}"
            info.blocked = True
            continue
        specs: dict[str, list[Any]] = {}
        try:
            module, specs = load_plugin(pm, cand)
            info.version = _version_of(module, info)
        except _PluginError as exc:
            info.error = str(exc)
        except KeyboardInterrupt:
            raise  # the user's Ctrl-C (see the module docstring)
        except BaseException as exc:  # noqa: B036 - a plugin must never take the app down
            info.error = _short_error(exc, cand.root)
        if info.error:
            log.info("plugin %s (%s) disabled: %s", cand.name, cand.location, info.error)
            continue
        for kind, specs_of_kind in specs.items():
            for spec in specs_of_kind:
                registry.add(kind, cand.name, spec)
        provided = {k: list(v) for k, v in info.provides.items()}
        if known_provides.get(cand.name) != provided:
            known_provides[cand.name] = provided
            cache["dirty"] = True
    if cache.pop("dirty", False):
        _save_cache(cache)
    for problem in registry.problems:
        log.info("%s", problem)
    if summary:
        line = summary_line(registry)
        if line:
            log.warning("%s", line)
    return registry


def summary_line(registry: Registry) -> str:
    """``2 plugins failed to load: see 'ganstudio plugins'`` (empty when all is well)."""
    parts = []
    failed = len(registry.failed)
    if failed:
        parts.append(f"{failed} plugin{'s' if failed != 1 else ''} failed to load")
    if registry.problems:
        n = len(registry.problems)
        parts.append(f"{n} plugin clash{'es' if n != 1 else ''}")
    return f"{', '.join(parts)}: see 'ganstudio plugins'" if parts else ""


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
