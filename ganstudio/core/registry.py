"""What the loaded plugins provide, by id.

Every spec is reachable as ``plugin:id``.  A bare ``id`` resolves when one
plugin claims it; when several do, the clash is reported and the bare id goes
to the built-in claimant if there is exactly one (a third-party plugin cannot
hijack ``dcgan``), otherwise it is ambiguous and the error names the choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ganstudio.core.specs import SPEC_TYPES, Action, DatasetSource, Importer, Objective, Variant
from ganstudio.errors import UserError

#: sources whose specs win a bare-id clash
TRUSTED_SOURCES = ("core", "built-in")


class UnknownSpecError(UserError, LookupError):
    """No loaded plugin provides the requested id (or the id is ambiguous)."""


@dataclass
class PluginInfo:
    """One discovered plugin, loaded or not: what the plugin list shows."""

    name: str
    source: str
    location: str
    version: str = "unknown"
    provides: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    disabled: bool = False
    #: failed its check in a child process (hangs, ends or traps the process): never imported
    blocked: bool = False

    @property
    def status(self) -> str:
        if self.disabled:
            return "disabled"
        return "failed" if self.error else "loaded"

    def as_json(self) -> dict[str, Any]:
        """What ``ganstudio plugins --json`` prints for this plugin."""
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "location": self.location,
            "state": self.status,
            "reason": self.error or ("disabled by the user" if self.disabled else None),
            "provides": {k: list(v) for k, v in self.provides.items()},
        }


@dataclass(frozen=True)
class Entry:
    plugin: str
    spec: Any

    @property
    def qualified_id(self) -> str:
        return f"{self.plugin}:{self.spec.id}"


class Registry:
    """Specs by kind and id, plus the plugin list with failures and clashes."""

    def __init__(self) -> None:
        self.plugins: dict[str, PluginInfo] = {}
        self.problems: list[str] = []
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in SPEC_TYPES}

    # -- building ----------------------------------------------------------------
    def add_plugin(self, info: PluginInfo) -> None:
        self.plugins[info.name] = info

    def add(self, kind: str, plugin: str, spec: Any) -> None:
        entry = Entry(plugin, spec)
        table = self._entries[kind]
        if entry.qualified_id in table:
            self.problems.append(
                f"plugin {plugin!r} provides {kind[:-1]} {spec.id!r} twice; the second is ignored"
            )
            return
        clash = [e for e in table.values() if e.spec.id == spec.id]
        if kind == "actions":  # same-id actions for different variants are expected
            clash = [e for e in clash if not (e.spec.variants or spec.variants)]
        if clash:
            names = ", ".join(e.qualified_id for e in [*clash, entry])
            self.problems.append(
                f"{kind[:-1]} id {spec.id!r} is claimed by several plugins: {names}"
            )
        table[entry.qualified_id] = entry
        info = self.plugins[plugin]
        info.provides.setdefault(kind, []).append(spec.id)
        # provenance names the plugin and its version (a plain attribute, like ``defined_at``)
        object.__setattr__(spec, "provided_by", {"name": plugin, "version": info.version})

    # -- lookup ------------------------------------------------------------------
    def entries(self, kind: str) -> list[Entry]:
        return list(self._entries[kind].values())

    def ids(self, kind: str) -> list[str]:
        """Preferred ids: bare where unambiguous, ``plugin:id`` otherwise."""
        return [self.preferred_id(kind, e) for e in self.entries(kind)]

    def preferred_id(self, kind: str, entry: Entry) -> str:
        try:
            if self.resolve(kind, entry.spec.id) is entry:
                return entry.spec.id
        except UnknownSpecError:
            pass
        return entry.qualified_id

    def resolve(self, kind: str, ident: str) -> Entry:
        table = self._entries[kind]
        if ident in table:
            return table[ident]
        matches = [e for e in table.values() if e.spec.id == ident]
        if len(matches) == 1:
            return matches[0]
        what = kind[:-1]
        if not matches:
            self.refuse_if_disabled(kind, ident)
            known = ", ".join(sorted(self.ids(kind))) or "none"
            raise UnknownSpecError(f"unknown {what} {ident!r} (available: {known})")
        trusted = [e for e in matches if self.plugins[e.plugin].source in TRUSTED_SOURCES]
        if len(trusted) == 1:
            return trusted[0]
        names = ", ".join(e.qualified_id for e in matches)
        raise UnknownSpecError(f"{what} {ident!r} is ambiguous; name one of: {names}")

    def refuse_if_disabled(self, kind: str, ident: str) -> None:
        """Say so when ``ident`` belongs to a plugin the user switched off."""
        plugin, _, bare = ident.rpartition(":")
        for info in self.plugins.values():
            if not info.disabled or (plugin and info.name != plugin):
                continue
            if bare in info.provides.get(kind, ()) or (plugin and plugin == info.name):
                raise UnknownSpecError(
                    f"{kind[:-1]} {bare!r} is provided by plugin {info.name!r}, which is "
                    f"disabled; enable it with 'ganstudio plugins enable {info.name}'"
                )

    def get(self, kind: str, ident: str) -> Any:
        return self.resolve(kind, ident).spec

    def variant(self, ident: str) -> Variant:
        return self.get("variants", ident)

    def action(self, ident: str) -> Action:
        return self.get("actions", ident)

    def objective(self, ident: str) -> Objective:
        return self.get("objectives", ident)

    def dataset(self, ident: str) -> DatasetSource:
        return self.get("datasets", ident)

    def importer(self, ident: str) -> Importer:
        return self.get("importers", ident)

    def specs(self, kind: str) -> list[Any]:
        return [e.spec for e in self.entries(kind)]

    def actions_for(self, capabilities: frozenset[str], variant: str | None = None) -> list[Action]:
        """Actions a model can run, one per id (variant-specific ones first)."""
        chosen: dict[str, Action] = {}
        for a in sorted(self.specs("actions"), key=lambda a: not a.variants):
            if a.id not in chosen and a.accepts(capabilities, variant):
                chosen[a.id] = a
        return list(chosen.values())

    def action_for(self, ident: str, capabilities: frozenset[str], variant: str) -> Action:
        """The action ``ident`` as it applies to a model of ``variant``."""
        if ":" in ident:
            action = self.action(ident)
            if not action.accepts(capabilities, variant):
                raise UnknownSpecError(f"action {ident!r} does not apply to {variant!r} models")
            return action
        for a in self.actions_for(capabilities, variant):
            if a.id == ident:
                return a
        usable = ", ".join(a.id for a in self.actions_for(capabilities, variant)) or "none"
        if any(e.spec.id == ident for e in self.entries("actions")):
            raise UnknownSpecError(
                f"action {ident!r} does not apply to {variant!r} models (usable: {usable})"
            )
        self.refuse_if_disabled("actions", ident)
        raise UnknownSpecError(f"unknown action {ident!r} (usable with this model: {usable})")

    def modelless_action(self, ident: str) -> Action:
        """The action ``ident`` run without a model (it must require no capability)."""
        candidates = [
            e.spec for e in self.entries("actions") if ident in (e.spec.id, e.qualified_id)
        ]
        modelless = [a for a in candidates if not a.requires]
        if candidates and not modelless:
            raise UnknownSpecError(f"action {ident!r} needs --model")
        return modelless[0] if len(modelless) == 1 else self.action(ident)

    def plugin_of(self, kind: str, spec: Any) -> str:
        for e in self.entries(kind):
            if e.spec is spec:
                return e.plugin
        raise UnknownSpecError(f"{spec!r} is not registered")

    @property
    def failed(self) -> list[PluginInfo]:
        return [p for p in self.plugins.values() if p.error]

    def provider(self, kind: str, spec: Any) -> PluginInfo:
        """The plugin that provides ``spec`` (for provenance: its name and version)."""
        return self.plugins[self.plugin_of(kind, spec)]
