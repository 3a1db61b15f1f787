"""A model file turned into ready modules: what actions receive."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ganstudio.core import checkpoints, untrusted
from ganstudio.core.checkpoints import CheckpointError
from ganstudio.core.registry import Registry, UnknownSpecError
from ganstudio.core.specs import Variant, config_to_dict


@dataclass
class LoadedModel:
    """Modules by role on a device, plus non-module tensors (``extras``).

    ``extras`` holds roles that are not modules, e.g. ``directions`` (attribute
    name → tensor) or ``w_avg``; an action reads them, the file keeps them.
    """

    path: Path | None
    variant: Variant
    variant_id: str
    config: Any
    modules: dict[str, torch.nn.Module]
    extras: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    sha256: str = ""

    @property
    def generator(self) -> torch.nn.Module:
        """The module actions sample from: the EMA copy when the file has one."""
        for role in ("G_ema", "G"):
            if role in self.modules:
                return self.modules[role]
        raise CheckpointError(f"{self.path}: the model has no generator (G or G_ema)")

    @property
    def capabilities(self) -> frozenset[str]:
        return self.variant.capabilities

    @property
    def name(self) -> str:
        return self.path.stem if self.path else self.variant_id


def model_meta(variant_id: str, plugin: str, config: Any, **more: Any) -> dict[str, Any]:
    return {"variant": variant_id, "plugin": plugin, "config": config_to_dict(config), **more}


def resolve_variant(registry: Registry, meta: dict[str, Any], where: str) -> tuple[str, Variant]:
    ident = meta.get("variant")
    if not ident:
        raise CheckpointError(f"{where}: metadata names no variant")
    plugin = meta.get("plugin")
    for candidate in ([f"{plugin}:{ident}"] if plugin else []) + [ident]:
        try:
            entry = registry.resolve("variants", candidate)
        except UnknownSpecError:
            continue
        return registry.preferred_id("variants", entry), entry.spec
    raise CheckpointError(
        f"{where}: made by variant {ident!r}"
        + (f" of plugin {plugin!r}" if plugin else "")
        + ", which no loaded plugin provides"
    )


def load_model(
    path: str | os.PathLike[str],
    registry: Registry,
    device: torch.device | str = "cpu",
    roles: tuple[str, ...] | None = ("G", "G_ema"),
) -> LoadedModel:
    """Build the variant's modules and load the file's weights strictly.

    ``roles`` limits which modules are materialised (actions need only the
    generator; fine-tuning needs D too); ``None`` loads every role.
    """
    path = Path(path).expanduser()
    tensors, meta = checkpoints.load_model_file(path)
    variant_id, variant = resolve_variant(registry, meta, str(path))
    # untrusted until proven sane: types and ranges, the plugin's validate(), then the
    # memory the modules imply, measured on the meta device before anything is allocated
    config = untrusted.config_from_untrusted(variant.config, meta.get("config"), str(path))
    untrusted.check_build_memory(variant, config, str(path))
    try:
        built = variant.build(config)
    except (ValueError, TypeError, RuntimeError) as exc:
        raise CheckpointError(
            f"{path}: config does not build variant {variant_id!r}: {untrusted.safe_text(exc)}"
        ) from None
    by_role = checkpoints.split_roles(tensors)
    if "G_ema" in by_role and "G_ema" not in built and "G" in built:
        built["G_ema"] = variant.build(config)["G"]
    modules: dict[str, torch.nn.Module] = {}
    extras: dict[str, dict[str, torch.Tensor]] = {}
    dev = torch.device(device)
    for role, state in by_role.items():
        if role in built:
            if roles is not None and role not in roles:
                continue
            module = built[role]
            checkpoints.load_strict(module, state, f"{path.name} [{role}]")
            modules[role] = module.to(dev).eval()
        else:
            extras[role] = state
    if not modules:
        raise CheckpointError(f"{path}: holds none of the roles {roles} of variant {variant_id!r}")
    return LoadedModel(
        path=path,
        variant=variant,
        variant_id=variant_id,
        config=config,
        modules=modules,
        extras=extras,
        meta=meta,
        device=dev,
        sha256=checkpoints.file_sha256(path),
    )
