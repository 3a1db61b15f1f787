"""``ganstudio plugins``: list what was discovered; switch plugins on and off."""

from __future__ import annotations

import argparse

from ganstudio import plugins
from ganstudio.commands._common import registry
from ganstudio.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plugins",
        help="list plugins, or disable/enable one",
        description="List every discovered plugin with its source and what it "
        "provides, and any that failed with the reason.",
    )
    p.add_argument("verb", nargs="?", choices=("list", "disable", "enable"), default="list")
    p.add_argument("name", nargs="?", help="plugin name (for disable/enable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.verb in ("disable", "enable"):
        if not args.name:
            raise UserError(f"'plugins {args.verb}' needs a plugin name")
        reg = registry(args)
        if args.name not in reg.plugins:
            raise UserError(f"no plugin named {args.name!r} (see 'ganstudio plugins')")
        if reg.plugins[args.name].source == "core":
            raise UserError("the core plugin cannot be disabled")
        plugins.set_plugin_disabled(args.name, args.verb == "disable")
        print(f"{args.name}: {args.verb}d (takes effect at the next start)")
        return 0
    reg = registry(args)
    say = _say
    for info in reg.plugins.values():
        say(f"{info.name} {info.version} [{info.status}] — {info.source}: {info.location}")
        for kind, ids in info.provides.items():
            say(f"    {kind}: {', '.join(ids)}")
        if info.error:
            say(f"    error: {info.error}")
    for problem in reg.problems:
        say(f"warning: {problem}")
    return 0


def _say(line: str) -> None:
    """Names, versions and errors come from plugin files: control characters escaped."""
    from ganstudio.core.untrusted import safe_text

    print(safe_text(line))
