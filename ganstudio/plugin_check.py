"""``ganstudio plugins check PATH``: try a plugin the way GAN Studio will use it.

For plugin authors (what napari's npe2 validation and pytest's ``pytester``
give theirs): the plugin is imported in isolation first (the same child-process
probe discovery uses, so a hang or an ``os._exit`` is reported, not suffered),
then every spec is validated, every action runs with its defaults on a tiny
input and a model with random weights, and every variant with a routine
trains two steps on a tiny procedural batch, saves, and resumes for one more;
every objective computes its three terms on random logits.
Each problem is reported at the plugin's own file and line.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganstudio import plugins
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Action, LayerParam, Objective, Variant, unknown_capabilities
from ganstudio.errors import USER_ERRORS, UserError

EXIT_PROBLEMS = 1


@dataclass
class CheckReport:
    """What ``plugins check`` found; printed line by line as it goes."""

    root: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    out: Callable[[str], None] = print

    def ok(self, text: str) -> None:
        self.out(f"ok    {text}")

    def note(self, text: str) -> None:
        self.notes.append(text)
        self.out(f"note  {text}")

    def problem(self, text: str) -> None:
        self.problems.append(text)
        self.out(f"FAIL  {text}")

    def failure(self, what: str, exc: BaseException) -> None:
        self.problem(f"{what}: {plugins._short_error(exc, self.root)}")


def _candidate(path: Path) -> plugins.Candidate:
    if path.is_file() and path.suffix == ".py":
        name = path.stem
    elif path.is_dir() and (path / "__init__.py").is_file():
        name = path.name
    else:
        raise UserError(f"{path}: not a plugin (a .py file or a folder with __init__.py)")
    for cand in plugins._folder_candidates(path.parent, "check"):
        if cand.name == name:
            return cand
    raise UserError(f"{path}: a name starting with '_' or '.' is never loaded as a plugin")


def check_command(path_text: str | None, out: Callable[[str], None] = print) -> int:
    """Check one plugin file or package; 0 when nothing is wrong, 1 when problems were found."""
    if not path_text:
        raise UserError("'plugins check' needs the path of a plugin file or package")
    path = Path(path_text).expanduser().resolve()
    if not path.exists():
        raise UserError(f"{path_text}: no such file or folder")
    cand = _candidate(path)
    report = CheckReport(cand.root, out=out)
    out(f"checking plugin {cand.name} ({path})")
    if check_plugin(cand, report):
        out(f"{len(report.problems)} problem(s) found" if report.problems else "no problems found")
    return EXIT_PROBLEMS if report.problems else 0


def check_plugin(cand: plugins.Candidate, report: CheckReport) -> bool:
    """Run every check on one candidate; False when it could not even be loaded."""
    start = time.perf_counter()
    verdict = plugins.probe([cand])[cand.location]
    if not verdict["ok"]:
        report.problem(f"isolated import: {verdict['reason']}")
        return False
    report.ok(f"isolated import ({time.perf_counter() - start:.1f} s, in a child process)")
    # the core and the built-ins too: their objectives, data sources and variants are usable
    others = [c for c in plugins.find_candidates(safe_mode=True) if c.location != cand.location]
    registry = plugins.discover(candidates=[*others, cand], summary=False)
    info = next(i for i in registry.plugins.values() if i.location == cand.location)
    if info.error:
        report.problem(info.error)
        return False
    provided = ", ".join(f"{k}: {', '.join(v)}" for k, v in info.provides.items()) or "nothing"
    report.ok(f"contract: GANSTUDIO_API, hooks and specs ({provided})")
    mine = {
        kind: [e.spec for e in registry.entries(kind) if e.plugin == cand.name]
        for kind in ("variants", "actions", "objectives")
    }
    for spec in mine["variants"] + mine["actions"]:
        _check_words(spec, registry, report)
    with tempfile.TemporaryDirectory(prefix="ganstudio-check-") as tmp:
        for variant in mine["variants"]:
            _check_variant(variant, registry, Path(tmp) / variant.id, report)
    for action in mine["actions"]:
        _check_action(action, mine["variants"], registry, report)
    for objective in mine["objectives"]:
        _check_objective(objective, report)
    return True


def _check_objective(objective: Objective, report: CheckReport) -> None:
    """Make the loss with its options' defaults and compute each term on tiny logits."""
    import torch

    what = f"objective {objective.id}"
    try:
        loss: Any = objective.factory(**{p.name: p.default for p in objective.options})
        D = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 1))
        real, fake = torch.rand(2, 3, 4, 4) * 2 - 1, torch.rand(2, 3, 4, 4) * 2 - 1
        terms = {
            "d_loss": loss.d_loss(D(real).flatten(), D(fake).flatten()),
            "g_loss": (  # a relativistic objective (ObjectiveExtras) reads real logits too
                loss.g_loss(D(fake).flatten(), D(real).flatten())
                if getattr(loss, "relativistic", False)
                else loss.g_loss(D(fake).flatten())
            ),
            "penalty": loss.penalty(D, real, fake),
        }
    except BaseException as exc:  # noqa: B036
        report.failure(what, exc)
        return
    for name, value in terms.items():
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            report.problem(f"{what}: {name} must return a scalar tensor, got {value!r:.60}")
            return
        if not torch.isfinite(value):
            report.problem(f"{what}: {name} is not finite on random logits")
            return
    report.ok(f"{what}: d_loss, g_loss and penalty are finite scalars")


def _check_words(spec: Any, registry: Registry, report: CheckReport) -> None:
    kind = type(spec).__name__
    for word in unknown_capabilities(spec):
        offered = any(word in v.capabilities for v in registry.specs("variants"))
        where = plugins._short_path(getattr(spec, "defined_at", ""), report.root)
        text = f"{where}: {kind} {spec.id!r}: {word!r} is not a capability of the contract"
        if isinstance(spec, Action) and not offered:
            report.problem(f"{text}, and no loaded variant has it: the action is never offered")
        else:
            report.note(f"{text} (your own word: fine if intended)")


def _check_variant(variant: Variant, registry: Registry, out: Path, report: CheckReport) -> None:
    from ganstudio.testing import train_steps_with

    what = f"variant {variant.id}"
    try:
        modules = variant.build(variant.config())
    except BaseException as exc:  # noqa: B036 - a plugin's failure is the finding
        report.failure(f"{what}: build(config())", exc)
        return
    if not isinstance(modules, dict) or "G" not in modules:
        report.problem(f"{what}: build() must return a dict of modules by role with 'G'")
        return
    report.ok(f"{what}: built ({', '.join(modules)})")
    if variant.routine is None:
        report.note(f"{what}: no routine, so it cannot be trained (fine for imported models)")
        return
    try:
        train_steps_with(registry, variant, out, steps=2, resume_steps=1)
    except USER_ERRORS as exc:
        report.problem(f"{what}: training refused: {exc}")
        return
    except BaseException as exc:  # noqa: B036
        report.failure(f"{what}: training", exc)
        return
    report.ok(f"{what}: trained 2 steps on a tiny procedural batch, saved, resumed for 1 more")


def _model_for(action: Action, own: list[Variant], registry: Registry) -> Variant | None:
    def fits(v: Variant) -> bool:
        return action.accepts(v.capabilities, v.id)

    return next((v for v in own if fits(v)), None) or next(
        (v for v in registry.specs("variants") if fits(v)), None
    )


def _check_action(
    action: Action, own: list[Variant], registry: Registry, report: CheckReport
) -> None:
    from ganstudio.testing import build_model, run_action_with

    what = f"action {action.id}"
    model = None
    if action.requires:
        variant = _model_for(action, own, registry)
        if variant is None:
            needs = ", ".join(sorted(action.requires))
            report.note(f"{what}: not run: no loaded variant has {needs}")
            return
        try:
            model = build_model(registry, variant)
        except BaseException as exc:  # noqa: B036
            report.failure(f"{what}: building a {variant.id} model to run it on", exc)
            return
    try:
        params = action.params_for(model)
    except BaseException as exc:  # noqa: B036
        report.failure(f"{what}: params", exc)
        return
    refused = False
    for p in params:
        if isinstance(p, LayerParam):
            continue
        try:
            p.validate(p.default)
        except USER_ERRORS as exc:
            where = plugins._short_path(getattr(p, "defined_at", ""), report.root)
            report.problem(f"{where}: {what}: the default of {p.name!r} is refused: {exc}")
            refused = True
    if refused:
        return
    on = f" on a random {model.variant_id} model" if model is not None else ""
    try:
        result = run_action_with(registry, action, model)
    except USER_ERRORS as exc:
        report.note(f"{what}: refuses its defaults{on} in one line (allowed): {exc}")
        return
    except BaseException as exc:  # noqa: B036
        report.failure(f"{what}: run with its defaults{on}", exc)
        return
    if action.output_kind in ("image", "images") and not result.images:
        report.problem(f"{what}: output_kind is {action.output_kind!r} but it returned no images")
        return
    sizes = ", ".join(f"{im.width}×{im.height}" for im in result.images[:3])
    report.ok(f"{what}: ran with its defaults{on}: {len(result.images)} image(s) {sizes}".rstrip())
