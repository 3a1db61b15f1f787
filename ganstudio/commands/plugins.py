"""``ganstudio plugins``: list what was discovered; switch plugins on and off; check one."""

from __future__ import annotations

import argparse
import json

from ganstudio import plugins
from ganstudio.core import paths
from ganstudio.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plugins",
        help="list plugins, disable/enable one, or check one you are writing",
        description="List every discovered plugin with its source and what it provides, and "
        "any that failed with the reason.  'disable NAME' and 'enable NAME' switch a plugin "
        "off and on without loading it (also with --safe-mode).  'check PATH' tries a plugin "
        "file or package in isolation: every spec, every action with its defaults, two "
        "training steps of every variant, save and resume.",
    )
    p.add_argument(
        "verb", nargs="?", choices=("list", "disable", "enable", "check"), default="list"
    )
    p.add_argument("name", nargs="?", help="plugin name (disable/enable) or path (check)")
    p.add_argument("--json", action="store_true", help="machine-readable listing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.verb == "check":
        from ganstudio.plugin_check import check_command

        return check_command(args.name)
    if args.verb in ("disable", "enable"):
        return _switch(args.name, args.verb == "disable")
    safe = True if getattr(args, "safe_mode", False) else None
    reg = plugins.discover(safe, summary=False)
    plugins.set_registry(reg)
    folder = paths.user_dirs().plugins
    if args.json:
        print(
            json.dumps(
                {
                    "user_plugins_folder": str(folder),
                    "safe_mode": plugins.safe_mode_requested(safe),
                    "plugins": [info.as_json() for info in reg.plugins.values()],
                    "problems": list(reg.problems),
                },
                indent=2,
            )
        )
        return 0
    say = _say
    for info in reg.plugins.values():
        say(f"{info.name} {info.version} [{info.status}] — {info.source}: {info.location}")
        for kind, ids in info.provides.items():
            say(f"    {kind}: {', '.join(ids)}")
        if info.disabled and not info.provides:
            say("    (what it provides is shown once it has loaded)")
        if info.error:
            say(f"    error: {info.error}")
        if info.disabled:
            say(f"    enable with: ganstudio plugins enable {info.name}")
    for problem in reg.problems:
        say(f"warning: {problem}")
    state = "" if folder.is_dir() else " (created when you add a plugin)"
    say(f"user plugins folder: {folder}{state}")
    return 0


def _switch(name: str | None, disable: bool) -> int:
    """Switch a plugin off or on by name, from the candidates alone: nothing is imported."""
    verb = "disable" if disable else "enable"
    if not name:
        raise UserError(f"'plugins {verb}' needs a plugin name")
    found = {c.name: c for c in plugins.find_candidates(safe_mode=False)}
    if name not in found and name not in plugins.disabled_plugins():
        known = ", ".join(sorted(n for n, c in found.items() if c.source != "core")) or "none"
        raise UserError(f"no plugin named {name!r} (plugins: {known})")
    if name in found and found[name].source == "core":
        raise UserError("the core plugin cannot be disabled")
    plugins.set_plugin_disabled(name, disable)
    if not disable and name in found:
        plugins.forget_probe(found[name].location)  # give a fixed plugin a fresh check
    print(f"{name}: {verb}d (takes effect at the next start)")
    return 0


def _say(line: str) -> None:
    """Names, versions and errors come from plugin files: control characters escaped."""
    from ganstudio.core.untrusted import safe_text

    print(safe_text(line))
