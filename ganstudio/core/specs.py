"""The data half of the plugin contract: what a plugin's hooks return.

Everything here is plain dataclasses so that discovery never imports torch:
a spec carries *callables* (``build``, ``routine``, ``run`` …) that import
their model code on first use, the lazy pattern of npe2's ``python_name``.
A plugin imports only this module and :mod:`ganstudio.hookspecs`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ganstudio.errors import UserError

#: The contract version this build of GAN Studio implements.  A plugin declares
#: the version it was written for as a module attribute ``GANSTUDIO_API``.
API_VERSION = 1
SUPPORTED_API_VERSIONS = frozenset({1})


class ParamError(UserError, ValueError):
    """A user-supplied parameter value is unknown, malformed or out of range."""


class ConfigError(UserError, ValueError):
    """A ``--set key=value`` does not fit the variant's config."""


# --------------------------------------------------------------------------- params


@dataclass(frozen=True)
class Param:
    """A typed, ranged action parameter; the GUI builds widgets from these."""

    name: str
    default: Any = None
    label: str = ""
    help: str = ""
    #: shown instead of the minimum value when that value means "choose for me"
    #: (a tile size of 0, an overlap of -1): the GUI shows e.g. "Auto", not a magic number
    special: str = field(default="", kw_only=True)
    #: ``unavailable_if(model)`` says why the param does not apply to a loaded model
    #: (e.g. "this model has no denoise twin"), or returns None when it applies
    unavailable_if: Callable[[Any], str | None] | None = field(
        default=None, kw_only=True, compare=False, repr=False)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def unavailable(self, model: Any) -> str | None:
        """Why this param does not apply to ``model`` (the GUI disables it and says
        so), or None: it applies, or there is no model to ask yet."""
        if self.unavailable_if is None or model is None:
            return None
        try:
            return self.unavailable_if(model)
        except Exception:  # noqa: BLE001 - a plugin's check never hides the param's editor
            return None

    def parse(self, text: str) -> Any:
        """Turn command-line text into a valid value (raises ParamError)."""
        return self.validate(text)

    def validate(self, value: Any) -> Any:
        """Return ``value`` coerced to this param's type, or raise ParamError."""
        return value


@dataclass(frozen=True)
class FloatParam(Param):
    default: float = 0.0
    min: float = -math.inf
    max: float = math.inf
    step: float = 0.01

    def validate(self, value: Any) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ParamError(f"{self.name}: expected a number, got {value!r}") from None
        if math.isnan(v) or not (self.min <= v <= self.max):
            raise ParamError(f"{self.name}={value} is out of range [{self.min}, {self.max}]")
        return v


@dataclass(frozen=True)
class IntParam(Param):
    default: int = 0
    min: int = -(2**63)
    max: int = 2**63 - 1

    def validate(self, value: Any) -> int:
        try:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            v = int(value)
        except (TypeError, ValueError):
            raise ParamError(f"{self.name}: expected an integer, got {value!r}") from None
        if not (self.min <= v <= self.max):
            raise ParamError(f"{self.name}={value} is out of range [{self.min}, {self.max}]")
        return v


@dataclass(frozen=True)
class SeedParam(IntParam):
    """A random seed; the GUI shows a dice button next to it."""

    default: int = 0
    min: int = 0
    max: int = 2**32 - 1


@dataclass(frozen=True)
class BoolParam(Param):
    default: bool = False

    def validate(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ParamError(f"{self.name}: expected true/false, got {value!r}")


@dataclass(frozen=True)
class ChoiceParam(Param):
    choices: tuple[str, ...] = ()
    default: str = ""

    def validate(self, value: Any) -> str:
        if str(value) not in self.choices:
            raise ParamError(f"{self.name}={value!r} is not one of: {', '.join(self.choices)}")
        return str(value)


@dataclass(frozen=True)
class StrParam(Param):
    default: str = ""

    def validate(self, value: Any) -> str:
        return str(value)


@dataclass(frozen=True)
class ListParam(StrParam):
    """A list written as comma-separated text (``smile,age`` / ``10,11,12``).

    With ``choices`` the GUI shows a checkable list; otherwise a list editor
    whose items are ``item`` ("int" or "str").  The value stays the text, so an
    action reads it exactly as it read a :class:`StrParam` (and says itself
    which names it does not know: ``choices`` is what the GUI offers).
    """

    choices: tuple[str, ...] = ()
    item: str = "str"

    def items(self, value: Any) -> list[str]:
        return [t.strip() for t in str(value or "").split(",") if t.strip()]

    def validate(self, value: Any) -> str:
        items = self.items(value)
        for text in items:
            if self.item == "int":
                try:
                    int(text)
                except ValueError:
                    raise ParamError(f"{self.name}: {text!r} is not an integer") from None
        return ",".join(items)


@dataclass(frozen=True)
class LayerParam(Param):
    """A second input image: a document layer in the GUI, a file path on the CLI."""

    default: str = ""
    optional: bool = True

    def validate(self, value: Any) -> Any:
        if value in ("", None):
            if not self.optional:
                raise ParamError(f"{self.name}: an image is required")
            return None
        return value


def validate_params(params: Sequence[Param], values: Mapping[str, Any]) -> dict[str, Any]:
    """Fill defaults and validate ``values`` against ``params``; unknown names are errors."""
    by_name = {p.name: p for p in params}
    unknown = [k for k in values if k not in by_name]
    if unknown:
        known = ", ".join(by_name) or "none"
        raise ParamError(f"unknown parameter {unknown[0]!r} (known: {known})")
    out: dict[str, Any] = {}
    for p in params:
        out[p.name] = p.validate(values[p.name]) if p.name in values else p.default
    return out


def parse_params(params: Sequence[Param], pairs: Iterable[str]) -> dict[str, Any]:
    """Parse ``k=v`` strings (the CLI's ``--param``) against ``params``."""
    by_name = {p.name: p for p in params}
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParamError(f"expected name=value, got {pair!r}")
        if key not in by_name:
            known = ", ".join(by_name) or "none"
            raise ParamError(f"unknown parameter {key!r} (known: {known})")
        values[key] = by_name[key].parse(text.strip())
    return validate_params(params, values)


# --------------------------------------------------------------------------- configs


def config_fields(config_cls: type) -> list[dataclasses.Field[Any]]:
    """The user-settable fields of a variant's config dataclass."""
    return [f for f in dataclasses.fields(config_cls) if f.init and not f.name.startswith("_")]


def _coerce(field_type: Any, text: str, name: str) -> Any:
    kind = field_type if isinstance(field_type, str) else getattr(field_type, "__name__", "")
    kind = kind.replace("typing.", "").strip()
    try:
        if kind == "bool":
            return BoolParam(name).validate(text)
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind.startswith(("tuple", "list")):
            inner = "int" if "int" in kind else "float" if "float" in kind else "str"
            items = [t.strip() for t in text.strip("()[]").split(",") if t.strip()]
            conv = {"int": int, "float": float, "str": str}[inner]
            seq = [conv(t) for t in items]
            return tuple(seq) if kind.startswith("tuple") else seq
    except (ValueError, ParamError):
        raise ConfigError(f"{name}: cannot read {text!r} as {kind}") from None
    return text


def apply_overrides(config: Any, overrides: Mapping[str, Any]) -> Any:
    """A copy of a config dataclass with ``overrides`` applied (text is coerced by type)."""
    names = {f.name: f for f in config_fields(type(config))}
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in names:
            raise ConfigError(
                f"unknown config key {key!r} for {type(config).__name__} "
                f"(known: {', '.join(names)})"
            )
        changes[key] = _coerce(names[key].type, value, key) if isinstance(value, str) else value
    new = dataclasses.replace(config, **changes)
    check = getattr(new, "validate", None)
    if callable(check):
        try:
            check()
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return new


def config_to_dict(config: Any) -> dict[str, Any]:
    return dataclasses.asdict(config)


def config_from_dict(config_cls: type, data: Mapping[str, Any]) -> Any:
    """Rebuild a config, ignoring keys a newer/older plugin version does not know."""
    names = {f.name: f for f in config_fields(config_cls)}
    kwargs = {}
    for k, v in data.items():
        if k in names:
            kwargs[k] = tuple(v) if isinstance(v, list) and "tuple" in str(names[k].type) else v
    return config_cls(**kwargs)


# --------------------------------------------------------------------------- progress


@dataclass
class Progress:
    """One event yielded by long work (training, slow actions, batch).

    ``fraction`` is in [0, 1] or None when unknown; ``preview`` is an optional
    image (PIL) the GUI may show while the work goes on.
    """

    step: int = 0
    total: int | None = None
    message: str = ""
    fraction: float | None = None
    preview: Any = None
    data: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- training


@runtime_checkable
class TrainingRoutine(Protocol):
    """The math of one GAN variant's training: the Trainer owns everything else."""

    def step(self, batch: Mapping[str, Any]) -> dict[str, float]:
        """One D/G update on a batch (tensors already on the device); returns losses."""

    def samples(self, n: int, seed: int) -> Any:
        """A fixed-seed preview: a (n, C, H, W) tensor in [-1, 1]."""

    def state_dict(self) -> dict[str, Any]:
        """Optimizer states and counters needed to resume exactly."""

    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...


@dataclass
class RoutineContext:
    """What the Trainer hands a routine: device, mixed precision, world size.

    ``precision`` offers ``autocast()``, ``backward(loss)``, ``step(optimizer)``
    so one routine runs in fp32 on a CPU and in bf16/fp16 on a GPU unchanged.
    """

    device: Any
    precision: Any
    rank: int = 0
    world_size: int = 1
    batch_size: int = 64
    #: names of the entries of ``batch["labels"]`` when the data has labels
    #: (procedural faces: ``smile``, ``glasses``, ``hair_colour=red`` …)
    label_names: tuple[str, ...] = ()


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Variant:
    """A GAN variant: config, model builder, training routine, capabilities.

    ``build(config) -> dict[str, nn.Module]`` by role (``G``, ``D``, ``G_ema`` …).
    ``routine(models, config, objective, ctx) -> TrainingRoutine``.
    ``generator_role`` names the module actions sample from (EMA copy preferred).
    """

    id: str
    name: str
    config: type
    build: Callable[[Any], dict[str, Any]]
    routine: Callable[..., TrainingRoutine] | None = None
    capabilities: frozenset[str] = frozenset()
    data_kind: str = "image"
    description: str = ""
    accepts_objectives: bool = False
    #: roles kept in an exported model file; others (e.g. optimizer-only helpers) are dropped
    roles: tuple[str, ...] = ("G", "D", "G_ema")


@dataclass(frozen=True)
class ActionResult:
    """What an action returns.

    ``images``: a list of PIL images, or a (N, C, H, W) tensor in [-1, 1].
    ``layout``: how several images are shown/saved together: ``grid``, ``strip``
    or ``animation``.  ``latents`` (name -> numpy array) go into provenance so a
    generated layer can be edited again.  ``tensors`` (role-qualified names such
    as ``directions.smile`` -> tensor) are added to the model file by the caller:
    how an action such as "fit directions" extends a model without touching files.
    """

    images: Any = None
    layout: str = "grid"
    latents: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    tensors: dict[str, Any] = field(default_factory=dict)


ParamsSource = Sequence[Param] | Callable[[Any], Sequence[Param]]


@dataclass(frozen=True)
class Action:
    """An editor action: what the artist clicks.

    ``run(model, params, inputs)`` returns an :class:`ActionResult`, or is a
    generator yielding :class:`Progress` and returning one (long actions).
    ``model`` is a loaded model (``.variant``, ``.config``, ``.modules``,
    ``.generator``, ``.device``, ``.extras``); ``inputs`` holds the input image
    (PIL, key ``image``) for image→image actions.  ``params`` may be a callable
    of the loaded model, for params that depend on what the model carries.
    """

    id: str
    name: str
    run: Callable[..., Any]
    params: ParamsSource = ()
    requires: frozenset[str] = frozenset()
    input_kind: str = "none"
    output_kind: str = "image"
    interactive: bool = False
    batchable: bool = False
    description: str = ""
    #: variant ids this action is written for; empty means any with the capabilities.
    #: Several plugins may offer an action of the same id for different variants.
    variants: frozenset[str] = frozenset()

    def params_for(self, model: Any = None) -> list[Param]:
        src = self.params
        if callable(src):
            return list(src(model))
        return list(src)

    def accepts(self, capabilities: Iterable[str], variant: str | None = None) -> bool:
        if self.variants and variant is not None and variant.split(":")[-1] not in self.variants:
            return False
        return self.requires <= frozenset(capabilities)


@dataclass(frozen=True)
class Objective:
    """A loss family usable by any variant that accepts objectives.

    ``factory(**options)`` returns an object with ``d_loss(real_logits,
    fake_logits)``, ``g_loss(fake_logits)`` and ``penalty(D, real, fake)``
    (a regulariser; zero for most families).
    """

    id: str
    name: str
    factory: Callable[..., Any]
    description: str = ""
    options: tuple[Param, ...] = ()


@dataclass(frozen=True)
class DataRequest:
    """What a variant asks of a data source."""

    resolution: int = 64
    channels: int = 3
    kind: str = "image"


@dataclass(frozen=True)
class DatasetSource:
    """A source of training data, addressed on the CLI as ``id:ARG`` or a path.

    ``open(arg, request)`` returns a map-style torch Dataset whose items are
    dicts of tensors (``image`` in [-1, 1]; optional ``labels``, ``sketch``).
    Sources that match plain paths set ``handles_paths``.  ``skipped`` on the
    returned dataset, if present, lists (file, reason) pairs for the run log.
    """

    id: str
    name: str
    open: Callable[[str, DataRequest], Any]
    kinds: frozenset[str] = frozenset({"image"})
    description: str = ""
    handles_paths: bool = False


@dataclass(frozen=True)
class ImportedModel:
    """What an importer produces; the core writes it as a model file."""

    variant: str
    config: Any
    tensors: dict[str, Any]
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Importer:
    """A reader for a foreign checkpoint format.

    ``detect(path, state)`` says whether a weights-only state dict looks like
    this format (used when the user names no format); ``convert(path, state,
    options)`` maps it onto our modules.  Foreign files are read by the core
    with ``torch.load(weights_only=True)``.  A format that is not a plain
    weights file (NVIDIA's network pickles) supplies ``read(path) -> state``: a
    reader that rebuilds tensors without executing any code the file carries;
    the core then uses it for files with one of ``extensions``.
    """

    id: str
    name: str
    convert: Callable[..., ImportedModel]
    detect: Callable[..., bool] | None = None
    extensions: tuple[str, ...] = (".pth", ".pt")
    description: str = ""
    read: Callable[[Any], Any] | None = None
    #: keys ``convert`` accepts in ``options`` (``ganstudio import --set KEY=VALUE``)
    options: tuple[str, ...] = ()


SPEC_TYPES: dict[str, type] = {
    "variants": Variant,
    "actions": Action,
    "objectives": Objective,
    "datasets": DatasetSource,
    "importers": Importer,
}


def iter_specs(result: Any) -> Iterator[Any]:
    """Flatten a hook result (None, a spec, or an iterable of specs)."""
    if result is None:
        return
    if isinstance(result, (Variant, Action, Objective, DatasetSource, Importer)):
        yield result
        return
    yield from result
