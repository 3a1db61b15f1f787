"""The data half of the plugin contract: what a plugin's hooks return.

Everything here is plain dataclasses so that discovery never imports torch:
a spec carries *callables* (``build``, ``routine``, ``run`` …) that import
their model code on first use, the lazy pattern of npe2's ``python_name``.
A plugin imports only this module and :mod:`ganstudio.hookspecs`.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args, runtime_checkable

from ganstudio.errors import UserError

if TYPE_CHECKING:  # the contract names torch types without importing torch at discovery
    import torch

#: The contract version this build of GAN Studio implements.  A plugin declares
#: the version it was written for as a module attribute ``GANSTUDIO_API``.
API_VERSION = 1
SUPPORTED_API_VERSIONS = frozenset({1})

#: What an action takes: ``"none"`` (it makes something from the model and its
#: params alone) or ``"image"`` (the selected layer or region in the GUI,
#: ``--input IMAGE`` on the CLI, each file of a folder in batch; it arrives as
#: ``inputs["image"]``, a PIL image) or ``"voxels"`` (a voxel grid: ``--input``
#: a ``.binvox``/``.npy``/``.npz`` file, each such file of a folder in batch; it
#: arrives as ``inputs["voxels"]``, a float32 (X, Y, Z) occupancy in [0, 1], z up).
InputKind = Literal["none", "image", "voxels"]
#: What an action gives back: ``"image"`` (one image, a new layer), ``"images"``
#: (several, shown and saved as a grid, a strip or an animation, see
#: ``ActionResult.layout``) or ``"model"`` (tensors added to the model file,
#: ``ActionResult.tensors``, e.g. fitted attribute directions) or ``"voxels"``
#: (voxel grids in ``ActionResult.voxels``, with rendered views in ``images``;
#: ``-o`` ``.obj``/``.ply``/``.stl`` writes a mesh, ``.npy``/``.binvox`` the grid).
OutputKind = Literal["image", "images", "model", "voxels"]
#: Words a variant's models can do and an action's ``requires`` match on.
#: ``sample`` (draws images from noise), ``latent`` (a z latent of ``z_dim``),
#: ``w-latent`` (a StyleGAN W space: mapping/synthesis), ``style-mix``
#: (per-layer styles), ``condition`` (class-conditional), ``codes``
#: (InfoGAN's structured codes), ``upscale`` (image → larger image),
#: ``translate`` (image → image of another domain), ``voxels`` (3-D shapes),
#: ``sketch`` (image → image drawn from a line drawing: the GUI gives its actions
#: the sketch layer and the brush, and previews after every stroke).
#: A plugin may coin its own word for its own actions and variants (lower-case
#: letters, digits and ``-``; prefer ``x-myplugin-…`` so it never clashes with a
#: word a later contract adds).  Discovery accepts such words; ``ganstudio
#: plugins check`` points them out, since a typo would hide an action.
Capability = Literal[
    "sample",
    "latent",
    "w-latent",
    "style-mix",
    "condition",
    "codes",
    "upscale",
    "translate",
    "voxels",
    "sketch",
]
#: What a data source yields and a variant trains on: ``"image"`` (``batch["image"]``),
#: ``"labels"`` (also ``batch["labels"]``, attribute labels) or ``"paired"``
#: (also ``batch["sketch"]``, an aligned input image), ``"unpaired"`` (also
#: ``batch["source"]``, an image of another domain, not aligned with ``image``),
#: ``"video"`` (``batch["video"]`` instead of ``image``, short clips (B, C, T, H, W))
#: or ``"voxels"`` (``batch["voxels"]``, (B, 1, X, Y, Z) occupancy in [0, 1], and
#: ``batch["labels"]`` when the shapes are labelled; no ``image``).
DataKind = Literal["image", "labels", "paired", "unpaired", "video", "voxels"]
#: How several result images are shown and saved together; ``"layers"``: each
#: image is its own document layer, first at the bottom (``info["layer_names"]``
#: may name them), and a single file gets them stacked as the document shows them.
Layout = Literal["grid", "strip", "animation", "layers"]
#: The training stabilisers of the seeds a variant may support (``Variant.stabilisers``);
#: each is switched on by fields of :class:`StabiliserConfig` (see :data:`STABILISERS`).
Stabiliser = Literal[
    "spectral-norm",
    "r1",
    "r2",
    "grad-clip",
    "instance-noise",
    "replay",
    "minibatch-discrimination",
    "minibatch-std",
    "pack",
    "unrolled",
    "ttur",
    "d-steps",
    "label-smoothing",
]

INPUT_KINDS: frozenset[str] = frozenset(get_args(InputKind))
OUTPUT_KINDS: frozenset[str] = frozenset(get_args(OutputKind))
CAPABILITIES: frozenset[str] = frozenset(get_args(Capability))
DATA_KINDS: frozenset[str] = frozenset(get_args(DataKind))
LAYOUTS: frozenset[str] = frozenset(get_args(Layout))
STABILISER_NAMES: frozenset[str] = frozenset(get_args(Stabiliser))


_THIS_FILE = sys._getframe().f_code.co_filename  # how frames of this module name it
_DATACLASS_INIT = "<string>"  # the file name of a dataclass-generated __init__


class _Located:
    """Remembers the plugin file and line that made a spec, for error messages.

    Kept as a plain attribute (``defined_at``, "file:line"), not a field: it
    takes no part in equality, ``repr`` or ``dataclasses.replace``.
    """

    def __post_init__(self) -> None:
        # string comparisons only: this runs for every spec at every start
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename in (_DATACLASS_INIT, _THIS_FILE):
            frame = frame.f_back  # type: ignore[assignment]
        where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else ""
        object.__setattr__(self, "defined_at", where)


class ParamError(UserError, ValueError):
    """A user-supplied parameter value is unknown, malformed or out of range."""


class ConfigError(UserError, ValueError):
    """A ``--set key=value`` does not fit the variant's config."""


# --------------------------------------------------------------------------- params


@dataclass(frozen=True)
class Param(_Located):
    """A typed action parameter; the GUI builds a widget from it, the CLI parses ``--param``.

    ``name`` is the key in the ``params`` dict the action receives and on the
    command line (``--param name=value``); ``default`` is used when the user
    sets nothing; ``label`` is the GUI's caption (default: the name, capitalised);
    ``help`` is the tooltip and the ``--list-params`` text.  Use a subclass:
    the base class accepts any value unchanged.
    """

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
        default=None, kw_only=True, compare=False, repr=False
    )

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
    """A number in ``[min, max]`` (a slider when both are finite); ``step`` is the slider's step."""

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
    """A whole number in ``[min, max]`` (a spin box); ``2.0`` is accepted, ``2.5`` refused."""

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
class FaceParam(IntParam):
    """Which face of the input photo: an index into the faces found, largest first.

    ``-1`` (shown as "Largest") takes the largest.  The GUI shows a pick button
    next to it: the faces found in the input are outlined on the canvas,
    numbered, and a click on one sets the value; on the command line
    ``--param face=N``, and a wrong N lists the faces found.
    """

    default: int = -1
    min: int = -1
    max: int = 999
    special: str = field(default="Largest", kw_only=True)


@dataclass(frozen=True)
class BoolParam(Param):
    """A check box; the CLI reads ``true/false``, ``yes/no``, ``on/off``, ``1/0``."""

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
    """One of ``choices`` (a drop-down); the action receives the chosen string."""

    choices: tuple[str, ...] = ()
    default: str = ""

    def validate(self, value: Any) -> str:
        if str(value) not in self.choices:
            raise ParamError(f"{self.name}={value!r} is not one of: {', '.join(self.choices)}")
        return str(value)


@dataclass(frozen=True)
class StrParam(Param):
    """Free text (a line edit), e.g. a comma-separated list the action parses itself."""

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
    """Another source: a document layer in the GUI, a latents file (``.npz``) on the CLI.

    The action receives that source's latents (name -> numpy array, what an
    earlier ``ActionResult.latents`` held), or ``None`` when the param is
    ``optional`` and left empty.
    """

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

    ``step`` of ``total`` (None when unknown); ``message`` a short status
    ("projecting 3/8"); an event with no ``fraction`` and a message is a note
    the CLI prints on a line of its own.  ``fraction`` is in [0, 1] or None
    when unknown; ``preview`` is an optional PIL image the GUI may show while
    the work goes on; ``data`` carries anything else (e.g. losses).
    """

    step: int = 0
    total: int | None = None
    message: str = ""
    fraction: float | None = None
    preview: Any = None
    data: dict[str, Any] = field(default_factory=dict)


class StopRequested(Exception):  # noqa: N818 - a request, like GeneratorExit, not an error
    """Thrown into a ``stoppable`` action's generator, at the ``yield`` where it
    waits, when the user asks it to stop (GUI "Stop", the CLI's first Ctrl-C).

    Catch it, stop iterating and return the best result so far as a normal
    :class:`ActionResult` (say so in ``info``).  It is never thrown into an
    action that is not ``stoppable``: such an action simply runs to its end.
    """


# --------------------------------------------------------------------------- models


@runtime_checkable
class LoadedModel(Protocol):
    """A model file turned into ready modules: what ``Action.run`` receives.

    GAN Studio's own implementation is :class:`ganstudio.core.models.LoadedModel`;
    this protocol is the part of it that plugins may rely on.  Modules are in
    eval mode on ``device``; ``generator`` is the EMA copy (role ``G_ema``) when
    the file has one, else ``G``.  ``extras`` holds the file's non-module
    tensors by role and name (``extras["directions"]["smile"]``, ``w_avg``);
    ``config`` is an instance of the variant's config dataclass.
    """

    path: Path | None
    variant: Variant
    variant_id: str
    config: Any
    modules: dict[str, torch.nn.Module]
    extras: dict[str, dict[str, torch.Tensor]]
    meta: dict[str, Any]
    device: torch.device
    sha256: str

    @property
    def generator(self) -> torch.nn.Module: ...

    @property
    def capabilities(self) -> frozenset[str]: ...

    @property
    def name(self) -> str: ...


# --------------------------------------------------------------------------- training


@runtime_checkable
class TrainingRoutine(Protocol):
    """The math of one GAN variant's training: what ``Variant.routine`` returns.

    The routine **owns its optimizers**: it creates them from the models it is
    given, steps them in ``step`` and puts their ``state_dict()`` (and any
    counters, e.g. for lazy regularisation) into its own ``state_dict`` so a
    resumed run continues exactly.  The Trainer owns everything else: devices,
    data, mixed precision, DDP wrapping, EMA of ``G`` into ``G_ema``,
    checkpoints, samples, cadence and cancellation.

    Optional (not a Protocol member, so routines without it still conform):
    ``status(self) -> dict[str, float | int | str]``, a few named values
    describing where the routine is, e.g. ``{"resolution": 16, "fade-in α":
    0.3}``.  When present, the Trainer calls it after every step and puts the
    result in the step event (``TrainEvent.status``); the training dock shows
    it as text.  Keep it cheap and small (at most 8 entries are shown); an
    exception is logged and the method is not called again.
    """

    def step(self, batch: Mapping[str, torch.Tensor]) -> dict[str, float]:
        """One D/G update; returns the losses as floats (``{"d": 0.7, "g": 1.2}``).

        ``batch`` is a dict of tensors already on ``ctx.device``: ``image`` a
        (B, C, H, W) float tensor in [-1, 1], plus what the data source adds
        (``labels`` (B, L) floats for labelled data, ``sketch`` (B, 1, H, W)
        for paired data).  B is ``ctx.batch_size`` or less.
        """
        ...

    def samples(self, n: int, seed: int) -> torch.Tensor:
        """A fixed-seed preview: a (n, C, H, W) tensor in [-1, 1] (use ``blocks.sampling``)."""
        ...

    def state_dict(self) -> dict[str, Any]:
        """Optimizer states and counters needed to resume exactly (not the models' weights)."""
        ...

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned, after the models' weights are loaded."""
        ...


class Precision(Protocol):
    """Mixed precision behind three calls, so one routine runs in fp32 and bf16/fp16."""

    def autocast(self) -> AbstractContextManager[Any]:
        """Run the forward passes and losses inside ``with ctx.precision.autocast():``."""
        ...

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """``loss.backward()``, scaled for fp16."""
        ...

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        """``optimizer.step()``, unscaled and skipped on inf/NaN for fp16."""
        ...


@dataclass
class RoutineContext:
    """What the Trainer hands a routine (the ``ctx`` of ``Variant.routine``).

    ``device`` is where the models and every batch are; ``precision`` offers
    ``autocast()``, ``backward(loss)``, ``step(optimizer)``; ``rank`` and
    ``world_size`` describe DDP (models are already wrapped: run each module
    forward once with gradients per step); ``batch_size`` is per process;
    ``label_names`` names the columns of ``batch["labels"]`` when the data has
    labels (procedural faces: ``smile``, ``glasses``, ``hair_colour=red`` …).
    """

    device: torch.device
    precision: Precision
    rank: int = 0
    world_size: int = 1
    batch_size: int = 64
    label_names: tuple[str, ...] = ()


class ObjectiveLoss(Protocol):
    """What ``Objective.factory(**options)`` returns: one loss family.

    Logits are the discriminator's raw outputs (any shape); each method
    returns a scalar tensor.  ``penalty`` is a regulariser computed on real
    and fake batches (gradient penalty); return ``torch.zeros(())`` for none.
    """

    def d_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor: ...

    def g_loss(self, fake_logits: torch.Tensor) -> torch.Tensor: ...

    def penalty(
        self, D: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor: ...


class ObjectiveExtras(Protocol):
    """Optional members an :class:`ObjectiveLoss` may add; the shared driver
    (:mod:`ganstudio.stabilisers`) looks each one up and uses it when present.

    ``relativistic`` objectives (RaGAN) read the real logits in the generator's
    loss too: ``g_loss(fake_logits, real_logits)``.  ``smoothed_d_loss`` is the
    discriminator's loss with real targets lowered by ``smoothing`` (one-sided
    label smoothing); an objective without it refuses ``label_smoothing``.
    ``after_d_step(D)`` runs after each discriminator update (WGAN's weight
    clipping).
    """

    relativistic: bool

    def smoothed_d_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor, smoothing: float
    ) -> torch.Tensor: ...

    def after_d_step(self, D: torch.nn.Module) -> None: ...


@dataclass(frozen=True)
class StabiliserInfo:
    """What the GUI and ``--help`` say about one :data:`Stabiliser`: the config
    fields that switch it on, a one-line explanation from the seeds, and where it
    acts (``wraps-d``: D's architecture; ``penalty``: a term added to D's loss;
    ``batch``: what D is shown; ``schedule``: the order and size of updates)."""

    title: str
    fields: tuple[str, ...]
    explanation: str
    acts_on: str


#: Every stabiliser, in the order forms list them.
STABILISERS: dict[str, StabiliserInfo] = {
    "spectral-norm": StabiliserInfo(
        "Spectral normalisation",
        ("spectral_norm",),
        "SNGAN (Miyato et al. 2018): divides each D weight by its largest singular value, "
        "keeping D 1-Lipschitz so its gradients stay informative.",
        "wraps-d",
    ),
    "r1": StabiliserInfo(
        "R1 penalty",
        ("r1",),
        "Mescheder et al. 2018: penalises D's gradient on real data (γ/2·‖∇D(x)‖²), "
        "which makes training converge locally.",
        "penalty",
    ),
    "r2": StabiliserInfo(
        "R2 penalty",
        ("r2",),
        "The same gradient penalty on generated samples instead of real ones.",
        "penalty",
    ),
    "grad-clip": StabiliserInfo(
        "Gradient clipping",
        ("grad_clip",),
        "Caps the norm of each update's gradients, so one bad batch cannot throw "
        "the weights far away.",
        "schedule",
    ),
    "instance-noise": StabiliserInfo(
        "Instance noise",
        ("instance_noise", "noise_anneal"),
        "Sønderby et al. 2016: Gaussian noise on real and fake inputs of D, annealed "
        "to zero, so the two distributions overlap early on.",
        "batch",
    ),
    "replay": StabiliserInfo(
        "Experience replay",
        ("replay", "replay_size"),
        "Shows D some fakes from earlier steps, so G cannot win by hopping back "
        "to a mode D has forgotten.",
        "batch",
    ),
    "minibatch-discrimination": StabiliserInfo(
        "Minibatch discrimination",
        ("minibatch_disc",),
        "Salimans et al. 2016: D sees how close each sample is to the others of "
        "its batch, so a collapsed batch is easy to spot.",
        "wraps-d",
    ),
    "minibatch-std": StabiliserInfo(
        "Minibatch standard deviation",
        ("minibatch_std",),
        "ProGAN (Karras et al. 2018): one extra D feature, the batch's standard "
        "deviation, a cheap signal of low variety.",
        "wraps-d",
    ),
    "pack": StabiliserInfo(
        "PacGAN packing",
        ("pack",),
        "Lin et al. 2018: D judges m samples at once, so a generator that "
        "repeats itself is penalised.",
        "wraps-d",
    ),
    "unrolled": StabiliserInfo(
        "Unrolled discriminator",
        ("unrolled",),
        "Metz et al. 2017: G is updated against D as it will be k steps later, "
        "so G cannot chase D's current weak spot (first-order version).",
        "schedule",
    ),
    "ttur": StabiliserInfo(
        "Two time-scale learning rates",
        ("lr_d",),
        "Heusel et al. 2017: D learns with its own, usually larger, rate; the "
        "game then converges to a local Nash equilibrium.",
        "schedule",
    ),
    "d-steps": StabiliserInfo(
        "k D steps per G step",
        ("d_steps",),
        "Goodfellow et al. 2014 / WGAN: D is trained k times for each G update, "
        "keeping D near its optimum.",
        "schedule",
    ),
    "label-smoothing": StabiliserInfo(
        "One-sided label smoothing",
        ("label_smoothing",),
        "Salimans et al. 2016: real targets of D are 1 − s instead of 1 (fakes stay "
        "0), so D is never over-confident.",
        "batch",
    ),
}


@dataclass
class StabiliserConfig:
    """Config fields of every :data:`Stabiliser`, all off by default.

    A variant's config derives from it (``class MyConfig(StabiliserConfig)``),
    names the stabilisers its routine applies in ``Variant.stabilisers``, and
    calls :meth:`check_stabilisers` from its ``validate()``.
    ``ganstudio.stabilisers`` reads these fields; ``--set pack=4`` switches one on.
    """

    spectral_norm: bool = False
    r1: float = 0.0
    r2: float = 0.0
    grad_clip: float = 0.0
    instance_noise: float = 0.0
    noise_anneal: int = 2000
    replay: float = 0.0
    replay_size: int = 512
    minibatch_disc: int = 0
    minibatch_std: bool = False
    pack: int = 1
    unrolled: int = 0
    lr_d: float = 0.0
    d_steps: int = 1
    label_smoothing: float = 0.0

    def check_stabilisers(self) -> None:
        """Raise ``ValueError`` for a stabiliser value out of its range."""
        for name in ("r1", "r2", "grad_clip", "instance_noise", "lr_d"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be ≥ 0 (0 switches it off)")
        if not 0 <= self.replay < 1:
            raise ValueError("replay is the share of fakes taken from the past: 0 ≤ replay < 1")
        if not 0 <= self.label_smoothing < 0.5:
            raise ValueError("label_smoothing must be in [0, 0.5)")
        for name, low in (
            ("noise_anneal", 0),
            ("replay_size", 1),
            ("minibatch_disc", 0),
            ("pack", 1),
            ("unrolled", 0),
            ("d_steps", 1),
        ):
            if getattr(self, name) < low:
                raise ValueError(f"{name} must be ≥ {low}")
        if self.pack > 16 or self.unrolled > 50 or self.d_steps > 100:
            raise ValueError("pack ≤ 16, unrolled ≤ 50 and d_steps ≤ 100")

    def active_stabilisers(self) -> list[str]:
        """The stabilisers whose fields differ from the defaults (switched on)."""
        base = StabiliserConfig()
        return [
            name
            for name, info in STABILISERS.items()
            if any(getattr(self, f) != getattr(base, f) for f in info.fields[:1])
        ]


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Variant(_Located):
    """A GAN variant: config, model builder, training routine, capabilities.

    ``config`` is a dataclass of the variant's settings (``--set key=value``;
    an optional ``validate()`` method raises ``ValueError`` for bad values).
    Two names in it are conventions the core reads: ``resolution`` (an int,
    the size of the training images; required when the variant trains on
    images) and, when ``accepts_objectives``, ``objective`` (a str, the id of
    an :class:`Objective`, ``""`` for the variant's own loss).  A variant whose
    config lacks them is refused at discovery.

    ``build(config)`` returns the models by role: ``G`` and ``D`` at least.
    It may also return ``G_ema``; if it does not, the Trainer makes ``G_ema``
    as a copy of ``G`` and keeps it as an exponential moving average of ``G``
    (the routine never trains it).  Actions sample from ``G_ema`` when the
    model file has it, else from ``G`` (``LoadedModel.generator``).

    ``routine(models, config, objective, ctx)`` returns a :class:`TrainingRoutine`;
    ``models`` are ``build``'s modules on ``ctx.device`` (DDP-wrapped when
    distributed, plus ``G_ema``), ``objective`` is the chosen
    :class:`ObjectiveLoss` or None, ``ctx`` a :class:`RoutineContext`.
    A variant without a routine can be imported and used, not trained.
    """

    id: str
    name: str
    config: type
    build: Callable[[Any], dict[str, torch.nn.Module]]
    routine: (
        Callable[
            [dict[str, torch.nn.Module], Any, ObjectiveLoss | None, RoutineContext],
            TrainingRoutine,
        ]
        | None
    ) = None
    capabilities: frozenset[Capability] = frozenset()
    data_kind: DataKind = "image"
    description: str = ""
    accepts_objectives: bool = False
    #: roles kept in an exported model file; others (e.g. optimizer-only helpers) are dropped
    roles: tuple[str, ...] = ("G", "D", "G_ema")
    #: the stabilisers its routine applies (their config fields come from StabiliserConfig)
    stabilisers: frozenset[Stabiliser] = frozenset()


@dataclass(frozen=True)
class ActionResult:
    """What an action returns.

    ``images``: a list of PIL images, or a (N, C, H, W) tensor in [-1, 1].
    ``layout``: how several images are shown/saved together: ``grid``, ``strip``,
    ``animation`` or ``layers`` (one document layer each).  ``latents`` (name ->
    numpy array) go into provenance so a generated layer can be edited again.
    ``info`` (str -> plain JSON values) is recorded in provenance too.
    ``tensors`` (role-qualified names such as ``directions.smile`` -> tensor)
    are added to the model file by the caller:
    how an action such as "fit directions" extends a model without touching files.
    ``voxels`` (output kind ``"voxels"``): the shapes made, a float (X, Y, Z) or
    (N, X, Y, Z) occupancy in [0, 1] (array or tensor); ``images`` then holds
    rendered views of them.
    """

    images: Any = None
    layout: Layout = "grid"
    latents: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    tensors: dict[str, Any] = field(default_factory=dict)
    voxels: Any = None


ParamsSource = Sequence[Param] | Callable[[Any], Sequence[Param]]
#: what ``Action.run`` returns: a result, or a generator of progress returning one
ActionOutcome = ActionResult | Generator[Progress, None, ActionResult]
ActionRun = Callable[[LoadedModel | None, dict[str, Any], dict[str, Any]], ActionOutcome]


@dataclass(frozen=True)
class Action(_Located):
    """An editor action: what the artist clicks.

    ``run(model, params, inputs)`` returns an :class:`ActionResult`, or is a
    generator yielding :class:`Progress` and returning one (long actions).
    ``model`` is a :class:`LoadedModel`, or None for an action that
    ``requires`` nothing and is run without a model; ``params`` holds every
    param's validated value by name (a :class:`LayerParam`'s source already
    read into latents); ``inputs`` holds ``"image"`` (a PIL image) when
    ``input_kind`` is ``"image"``, ``"voxels"`` (a float32 (X, Y, Z) grid) when
    it is ``"voxels"``, and is empty otherwise.  ``params`` may be
    a callable of the loaded model (or None), for params that depend on what
    the model carries (one slider per direction).

    In the GUI, the action panel lists the actions of the model picked in
    the model browser: those whose ``requires`` the model's capabilities
    cover.  An action that requires nothing (a model-less action) is
    listed for every model, and also when no model is picked; it always
    runs with ``model=None``, in the GUI as on the command line, and its
    provenance names no model.  On the command line a model-less action
    runs without ``--model`` (``ganstudio run ID -o out.png``, and
    ``ganstudio batch ID IN OUT`` when it is batchable).  ``interactive``
    actions re-run while a slider moves (keep them under about 100 ms);
    ``batchable`` image→image actions are offered by ``ganstudio batch`` and
    Tools → Batch….  A ``stoppable`` action is a generator that iterates
    towards a result (a projection): asked to stop, it receives
    :class:`StopRequested` at a ``yield`` and returns its best result so far
    (the GUI then offers "Stop" beside "Cancel"; the CLI's first Ctrl-C stops).
    """

    id: str
    name: str
    run: ActionRun
    params: ParamsSource = ()
    requires: frozenset[Capability] = frozenset()
    input_kind: InputKind = "none"
    output_kind: OutputKind = "image"
    interactive: bool = False
    batchable: bool = False
    description: str = ""
    #: variant ids this action is written for; empty means any with the capabilities.
    #: Several plugins may offer an action of the same id for different variants.
    variants: frozenset[str] = frozenset()
    #: asked to stop, returns its best result so far (see :class:`StopRequested`)
    stoppable: bool = False
    #: the action also takes a mask of the region to work on (inpainting): ``inputs["mask"]``,
    #: a mode "L" PIL image the size of ``inputs["image"]``, 255 inside the region; absent
    #: when the user gave none.  Needs ``input_kind="image"``.
    takes_mask: bool = False

    def params_for(self, model: Any = None) -> list[Param]:
        src = self.params
        if callable(src):
            return list(src(model))
        return list(src)

    def accepts(self, capabilities: Iterable[str], variant: str | None = None) -> bool:
        if self.variants and variant is not None and variant.split(":")[-1] not in self.variants:
            return False
        return self.requires <= frozenset(capabilities)


class ObjectiveFactory(Protocol):
    """``factory(**options)``: options are the values of ``Objective.options`` by name."""

    def __call__(self, **options: Any) -> ObjectiveLoss: ...


@dataclass(frozen=True)
class Objective(_Located):
    """A loss family usable by any variant that accepts objectives.

    ``factory(**options)`` returns an :class:`ObjectiveLoss` (``d_loss``,
    ``g_loss``, ``penalty``).  ``options`` declares the keyword arguments the
    factory accepts, as typed params (their defaults are used today).
    """

    id: str
    name: str
    factory: ObjectiveFactory
    description: str = ""
    options: tuple[Param, ...] = ()


@dataclass(frozen=True)
class DataRequest:
    """What a variant asks of a data source: image size, channels and kind of data."""

    resolution: int = 64
    channels: int = 3
    kind: DataKind = "image"


@dataclass(frozen=True)
class DatasetSource(_Located):
    """A source of training data, addressed on the CLI as ``id:ARG`` or a path.

    ``open(arg, request)`` returns a map-style torch Dataset whose items are
    dicts of tensors (``image`` (C, H, W) in [-1, 1] at ``request.resolution``;
    ``labels`` and ``sketch`` for the ``labels`` and ``paired`` kinds); raise
    ``ValueError`` or ``OSError`` for a bad ``arg`` (shown as one line).
    ``kinds`` says which :data:`DataKind` s it can give.  Sources that match
    plain paths set ``handles_paths``.  ``skipped`` on the returned dataset, if
    present, lists (file, reason) pairs for the run log; ``label_names`` names
    the label columns.
    """

    id: str
    name: str
    open: Callable[[str, DataRequest], Any]
    kinds: frozenset[DataKind] = frozenset({"image"})
    description: str = ""
    handles_paths: bool = False


@dataclass(frozen=True)
class ImportedModel:
    """What an importer produces; the core writes it as a model file.

    ``variant`` is a variant id, ``config`` an instance of its config,
    ``tensors`` role-qualified names (``G.mapping.0.weight``) -> tensors,
    ``info`` notes recorded in the file's metadata (the source format …).
    """

    variant: str
    config: Any
    tensors: dict[str, Any]
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Importer(_Located):
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
    convert: Callable[[Path, Mapping[str, Any], Mapping[str, str]], ImportedModel]
    detect: Callable[[Path, Mapping[str, Any]], bool] | None = None
    extensions: tuple[str, ...] = (".pth", ".pt")
    description: str = ""
    read: Callable[[Path], Mapping[str, Any]] | None = None
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


# --------------------------------------------------------------------------- checks


_WORD = re.compile(r"[a-z0-9][a-z0-9-]*\Z")


def _bad_words(words: Any, legal: frozenset[str], allow_custom: bool = False) -> list[str]:
    """Words of ``words`` that are not legal (a plain string is itself wrong: a set is wanted)."""
    if isinstance(words, str) or not isinstance(words, (set, frozenset, tuple, list)):
        return [f"{words!r} (a frozenset of words is expected)"]
    return [
        repr(w)
        for w in words
        if w not in legal and not (allow_custom and isinstance(w, str) and _WORD.match(w))
    ]


def unknown_capabilities(spec: Any) -> list[str]:
    """Capability words of a spec that are not in :data:`Capability` (custom or typos)."""
    words = getattr(spec, "requires", None) or getattr(spec, "capabilities", None) or ()
    return sorted(w for w in words if isinstance(w, str) and w not in CAPABILITIES)


def spec_problems(spec: Any) -> list[str]:
    """What is wrong with a spec a plugin returned (empty when it is fine).

    Checked at discovery, so a typo in a kind or a capability is reported at
    once, at the plugin's line, instead of an action that silently never shows.
    """
    kind = type(spec).__name__
    label = f"{kind} {getattr(spec, 'id', '?')!r}"
    problems: list[str] = []
    if not isinstance(getattr(spec, "id", None), str) or not spec.id or ":" in spec.id:
        problems.append(f"{label}: id must be a non-empty string without ':'")
    caps_legal = ", ".join(sorted(CAPABILITIES)) + ", or your own lower-case word"
    if isinstance(spec, Action):
        if spec.input_kind not in INPUT_KINDS:
            problems.append(
                f"{label}: input_kind {spec.input_kind!r} is not one of "
                f"{', '.join(sorted(INPUT_KINDS))}"
            )
        if spec.output_kind not in OUTPUT_KINDS:
            problems.append(
                f"{label}: output_kind {spec.output_kind!r} is not one of "
                f"{', '.join(sorted(OUTPUT_KINDS))}"
            )
        bad = _bad_words(spec.requires, CAPABILITIES, allow_custom=True)
        if bad:
            problems.append(f"{label}: requires {bad[0]} is not a capability ({caps_legal})")
        if spec.batchable and spec.input_kind == "none":
            problems.append(
                f"{label}: batchable actions need input_kind='image' (or another input, 'voxels')"
            )
        if spec.takes_mask and spec.input_kind != "image":
            problems.append(f"{label}: takes_mask needs input_kind='image'")
        if not callable(spec.run):
            problems.append(f"{label}: run is not callable")
    elif isinstance(spec, Variant):
        bad = _bad_words(spec.capabilities, CAPABILITIES, allow_custom=True)
        if bad:
            problems.append(f"{label}: capability {bad[0]} is not known ({caps_legal})")
        if spec.data_kind not in DATA_KINDS:
            problems.append(
                f"{label}: data_kind {spec.data_kind!r} is not one of "
                f"{', '.join(sorted(DATA_KINDS))}"
            )
        problems.extend(f"{label}: {p}" for p in _config_problems(spec))
        bad = _bad_words(spec.stabilisers, STABILISER_NAMES)
        if bad:
            legal = ", ".join(sorted(STABILISER_NAMES))
            problems.append(f"{label}: stabiliser {bad[0]} is not one of {legal}")
    elif isinstance(spec, DatasetSource):
        bad = _bad_words(spec.kinds, DATA_KINDS)
        if bad:
            problems.append(f"{label}: kind {bad[0]} is not one of {', '.join(sorted(DATA_KINDS))}")
    return problems


def _config_problems(variant: Variant) -> list[str]:
    """The config conventions the core relies on (see :class:`Variant`)."""
    if not dataclasses.is_dataclass(variant.config) or not isinstance(variant.config, type):
        return ["config must be a dataclass (the class, not an instance)"]
    names = {f.name for f in config_fields(variant.config)}
    problems = []
    if variant.routine is not None and "resolution" not in names:
        problems.append(
            f"config {variant.config.__name__} has no 'resolution' field: the core reads the "
            "size of the training images from it (add 'resolution: int = 64')"
        )
    if variant.accepts_objectives and "objective" not in names:
        problems.append(
            f"config {variant.config.__name__} has no 'objective' field, but the variant sets "
            "accepts_objectives=True: the core reads the objective's id from it "
            "(add 'objective: str = \"bce\"')"
        )
    missing = [
        f"{name} ({', '.join(info.fields)})"
        for name, info in STABILISERS.items()
        if name in variant.stabilisers and not set(info.fields) <= names
    ]
    if missing:
        problems.append(
            f"config {variant.config.__name__} lacks the fields of stabiliser {missing[0]}: "
            "derive it from ganstudio.core.specs.StabiliserConfig"
        )
    return problems
