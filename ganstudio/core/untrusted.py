"""Foreign or damaged data → one clear :class:`~ganstudio.errors.DataError`.

Every byte GAN Studio did not just produce itself — a model file's header, a
foreign ``.pth``, a network pickle's tensors, an image's size and provenance —
goes through here before anything is built from it, in the CLI and the GUI
alike.  The rules, each in one place:

* **JSON** is parsed with a size cap and a nesting cap checked *before*
  ``json.loads`` recurses; ``NaN``/``Infinity`` are refused.
* **Model metadata** is checked against a schema (types and ranges of
  ``format``, ``variant``, ``plugin`` and every config value), then the config
  is built, validated by its plugin, and the memory its modules imply is
  measured on torch's ``meta`` device — nothing is allocated until it is sane.
* **Tensors** from outside: a dtype whitelist (half precision is widened to
  float32 losslessly, with a warning; other non-float32 weights are refused),
  finite values only, and no view that is larger than its storage (stride-0
  expansions turn a 2 KB file into a 29 GB allocation).
* **Images** are opened lazily and refused above Pillow's pixel limit
  before any decoding; provenance is bounded JSON of the expected shape.
* **Text** from a file is printed through :func:`safe_text`, which escapes
  control characters (ANSI/OSC sequences cannot reach the terminal).

Torch is imported only by the functions that need it, so the model browser
and ``ganstudio info`` stay torch-free.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import os
import re
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ganstudio.errors import CheckpointError, DataError

log = logging.getLogger(__name__)

#: nesting deeper than this is refused before the JSON parser recurses
MAX_JSON_DEPTH = 64
#: a safetensors header larger than this is refused (safetensors' own limit)
MAX_HEADER_BYTES = 100 * 1024 * 1024
#: GAN Studio's metadata string inside the header
MAX_META_BYTES = 16 * 1024 * 1024
#: provenance recorded in an image
MAX_PROVENANCE_BYTES = 4 * 1024 * 1024
#: weights a model's config may imply, and the tensors a foreign file may hold
MAX_MODEL_BYTES = int(os.environ.get("GANSTUDIO_MAX_MODEL_BYTES", 8 * 1024**3))
#: submodules, and parameter/buffer tensors, one model may have (a 1024 px StyleGAN2 has
#: about 300 tensors, a 23-block ESRGAN about 700); counting stops a hostile layer count in
#: about two seconds, since building one layer even on ``meta`` costs about a millisecond
MAX_MODULES = 5_000
MAX_TENSORS = 5_000
#: containers walked in a foreign checkpoint
MAX_ITEMS = 1_000_000
#: config integers beyond this are refused before the config is even built
MAX_CONFIG_INT = 2**31 - 1
MAX_TEXT = 100_000


# --------------------------------------------------------------------------- text


#: C0/C1 controls (ESC, BEL, CR …), DEL, and the bidi/line-separator marks that reorder text
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe_text(value: object) -> str:
    """``str(value)`` with control and bidi characters escaped (``ESC`` → ``\\x1b``).

    Everything printed from a file goes through this, so a model's metadata or
    an image's provenance cannot retitle the terminal or clear the screen.
    """
    return _CONTROL.sub(_escape, str(value))


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return safe_text(text if len(text) <= limit else text[: limit - 1] + "…")


def _kind(value: object) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------- JSON


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets nest deeper than ``limit`` (strings skipped); linear, no recursion."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if m.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(
    data: str | bytes,
    what: str,
    max_bytes: int = MAX_META_BYTES,
    error: type[DataError] = DataError,
) -> Any:
    """``json.loads`` for text from outside: size, nesting and NaN/Infinity checked first."""
    if len(data) > max_bytes:
        raise error(f"{what} is too large ({len(data):,} bytes, limit {max_bytes:,})")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise error(f"{what} is not UTF-8 text") from None
    if json_depth_exceeds(data):
        raise error(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(data, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise error(f"{what} is not valid JSON ({safe_text(first)})") from None


# --------------------------------------------------------------------------- model headers


def _whole(value: Any, what: str, low: int, high: int, error: type[DataError]) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{what} must be a whole number, got {_short(value)}")
    if not low <= value <= high:
        raise error(f"{what} must be in [{low}, {high}], got {value}")
    return value


def _name(value: Any, what: str, error: type[DataError], limit: int = 200) -> str:
    if not isinstance(value, str):
        raise error(f"{what} must be a string, got {_short(value)}")
    if len(value) > limit:
        raise error(f"{what} is longer than {limit} characters")
    return value


def check_safetensors_header(header: Any, where: str) -> dict[str, Any]:
    """The header's shape: ``{"__metadata__": {str: str}, name: {dtype, shape, data_offsets}}``."""
    if not isinstance(header, dict):
        raise CheckpointError(f"{where}: damaged header (it is {_kind(header)}, not an object)")
    meta = header.get("__metadata__", {})
    if meta is not None and not isinstance(meta, dict):
        raise CheckpointError(f"{where}: damaged header (__metadata__ is {_kind(meta)})")
    for key, value in (meta or {}).items():
        if not isinstance(value, str):
            raise CheckpointError(
                f"{where}: damaged header (metadata {_short(key)} is {_kind(value)}, not a string)"
            )
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("dtype"), str)
            or not isinstance(shape, list)
            or len(shape) > 16
            or not all(
                isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**48 for d in shape
            )
        ):
            raise CheckpointError(f"{where}: damaged header (tensor {_short(name)})")
    return header


def check_model_meta(meta: Any, where: str, format_version: int) -> dict[str, Any]:
    """GAN Studio's metadata object: types and ranges of what loading relies on."""
    err = CheckpointError
    if not isinstance(meta, dict):
        raise err(f"{where}: damaged GAN Studio metadata (it is {_kind(meta)}, not an object)")
    fmt = _whole(meta.get("format", 0), f"{where}: metadata 'format'", 0, 2**31, err)
    if fmt > format_version:
        raise err(f"{where}: written by a newer GAN Studio (format {fmt}); please upgrade")
    if "variant" in meta:
        _name(meta["variant"], f"{where}: metadata 'variant'", err)
    if meta.get("plugin") is not None:
        _name(meta["plugin"], f"{where}: metadata 'plugin'", err)
    config = meta.get("config")
    if config is not None:
        if not isinstance(config, dict):
            raise err(f"{where}: metadata 'config' is {_kind(config)}, not an object")
        for key, value in config.items():
            _config_value(value, f"{where}: config {safe_text(key)!r}")
    for key in ("step", "images_seen"):
        if meta.get(key) is not None:
            _whole(meta[key], f"{where}: metadata {key!r}", 0, 2**62, err)
    return meta


def _config_value(value: Any, what: str) -> None:
    """Finite numbers, bounded strings and lists (nesting is already bounded by the parser).

    Each field's type is checked against the variant's dataclass once the
    variant is known (:func:`check_config_values`).
    """
    if isinstance(value, (list, dict)):
        if len(value) > 4096:
            raise CheckpointError(f"{what} holds {len(value):,} items")
        for item in value.values() if isinstance(value, dict) else value:
            _config_value(item, what)
    elif isinstance(value, float) and not math.isfinite(value):
        raise CheckpointError(f"{what} is not a finite number")
    elif isinstance(value, str) and len(value) > MAX_TEXT:
        raise CheckpointError(f"{what} is a string of {len(value):,} characters")


def _field_kind(field: dataclasses.Field[Any]) -> str:
    kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    return str(kind).replace("typing.", "").replace(" ", "")


def check_config_values(config_cls: type, data: Mapping[str, Any], where: str) -> None:
    """Each known key's value has its field's type and a sane magnitude (before building)."""
    from ganstudio.core.specs import config_fields

    for field in config_fields(config_cls):
        if field.name not in data:
            continue
        value, kind = data[field.name], _field_kind(field)
        what = f"{where}: config {field.name!r}"
        if kind == "bool":
            if not isinstance(value, bool):
                raise CheckpointError(f"{what} must be true or false, got {_short(value)}")
        elif kind == "int":
            _whole(value, what, -MAX_CONFIG_INT, MAX_CONFIG_INT, CheckpointError)
        elif kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise CheckpointError(f"{what} must be a number, got {_short(value)}")
            if not math.isfinite(value) or abs(value) > 1e12:
                raise CheckpointError(f"{what} must be a finite number, got {value}")
        elif kind == "str":
            if not isinstance(value, str):
                raise CheckpointError(f"{what} must be a string, got {_short(value)}")
        elif kind.startswith(("tuple", "list")):
            if not isinstance(value, list):
                raise CheckpointError(f"{what} must be a list, got {_short(value)}")
            inner = "int" if "[int" in kind else "float" if "[float" in kind else "str"
            for item in value:
                ok = (
                    isinstance(item, str)
                    if inner == "str"
                    else isinstance(item, (int, float)) and not isinstance(item, bool)
                )
                if not ok:
                    raise CheckpointError(f"{what} must hold {inner} items, got {_short(item)}")


def config_from_untrusted(config_cls: type, data: Any, where: str) -> Any:
    """A variant's config from a file: schema, construction, the plugin's ``validate()``."""
    from ganstudio.core.specs import config_from_dict

    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CheckpointError(f"{where}: metadata 'config' is {_kind(data)}, not an object")
    check_config_values(config_cls, data, where)
    try:
        config = config_from_dict(config_cls, data)
        check = getattr(config, "validate", None)
        if callable(check):
            check()
    except (TypeError, ValueError, OverflowError) as exc:
        raise CheckpointError(
            f"{where}: config does not fit its variant: {safe_text(exc)}"
        ) from None
    return config


# --------------------------------------------------------------------------- building


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1024 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover


class _BuildTooLarge(Exception):
    def __init__(self, modules: int, nbytes: int, tensors: int = 0) -> None:
        super().__init__()
        self.modules, self.nbytes, self.tensors = modules, nbytes, tensors


_guard = threading.local()


def _count_module(module: Any, name: str, submodule: Any) -> None:
    state = getattr(_guard, "state", None)
    if state is None:
        return
    state[0] += 1
    if state[0] > MAX_MODULES:
        raise _BuildTooLarge(state[0], state[1], state[3])


def _count_tensor(module: Any, name: str, tensor: Any) -> None:
    state = getattr(_guard, "state", None)
    if state is None or tensor is None:
        return
    state[1] += tensor.numel() * tensor.element_size()
    state[3] += 1
    if state[1] > state[2] or state[3] > MAX_TENSORS:
        raise _BuildTooLarge(state[0], state[1], state[3])


_hooks_installed = False
_hooks_lock = threading.Lock()


def _install_hooks() -> None:
    """Global registration hooks that count only while this thread is measuring."""
    global _hooks_installed
    from torch.nn.modules import module as nn_module

    with _hooks_lock:
        if not _hooks_installed:
            nn_module.register_module_module_registration_hook(_count_module)
            nn_module.register_module_parameter_registration_hook(_count_tensor)
            nn_module.register_module_buffer_registration_hook(_count_tensor)
            _hooks_installed = True


def check_build_memory(
    variant: Any, config: Any, where: str, limit: int | None = None
) -> int | None:
    """Bytes of weights ``variant.build(config)`` would allocate, measured on ``meta``.

    Refuses (before any real allocation) a config that implies more than
    ``limit`` bytes or more than :data:`MAX_MODULES` submodules; the count is
    aborted as soon as either bound is passed, so a hostile config costs
    milliseconds.  Returns None when a builder cannot run on ``meta`` (it is
    then built for real, as before).
    """
    import torch

    limit = MAX_MODEL_BYTES if limit is None else limit
    _install_hooks()
    _guard.state = [0, 0, limit, 0]  # modules, bytes, byte limit, tensors
    try:
        with torch.device("meta"):
            built = variant.build(config)
    except _BuildTooLarge as big:
        layers = big.modules if big.modules > MAX_MODULES else big.tensors
        raise _too_large(where, big.nbytes, limit, layers) from None
    except Exception as exc:  # noqa: BLE001 - a builder that cannot run on meta
        if "overflow" in str(exc).lower():  # sizes beyond what torch can even count
            raise _too_large(where, 2**63, limit, 0) from None
        log.debug("%s: cannot measure on the meta device: %s", where, exc)
        return None
    finally:
        _guard.state = None
    total = 0
    seen: set[int] = set()
    for module in (built or {}).values():
        for t in [*module.parameters(), *module.buffers()]:
            if id(t) not in seen:
                seen.add(id(t))
                total += t.numel() * t.element_size()
    if total > limit:
        raise _too_large(where, total, limit, 0)
    return total


def _too_large(where: str, nbytes: int, limit: int, layers: int) -> CheckpointError:
    if layers > min(MAX_MODULES, MAX_TENSORS):
        return CheckpointError(
            f"{where}: its config implies more than {min(MAX_MODULES, MAX_TENSORS):,} layers "
            "or weight tensors; refused (a damaged or hostile config?)"
        )
    return CheckpointError(
        f"{where}: its config implies at least {human_bytes(nbytes)} of weights, more than "
        f"the {human_bytes(limit)} allowed (GANSTUDIO_MAX_MODEL_BYTES); refused "
        "(a damaged or hostile config?)"
    )


# --------------------------------------------------------------------------- tensors


@dataclasses.dataclass
class TensorReport:
    """What :func:`check_tensors` saw: counts for a one-line warning."""

    tensors: int = 0
    nbytes: int = 0
    widened: list[str] = dataclasses.field(default_factory=list)


def check_tensors(obj: Any, where: str, limit: int | None = None) -> Any:
    """Validate every tensor in a loaded checkpoint; returns it with half floats widened.

    Walks dicts, lists and tuples (bounded depth and size, cycles refused).
    Float32 passes; float16/bfloat16 become float32 (lossless; one warning);
    float64 becomes float32 only when that is exact; integer and bool tensors
    are allowed only as scalars (counters such as ``num_batches_tracked``);
    everything else is refused, as are NaN/infinite values and views larger
    than their storage.
    """
    report = TensorReport()
    limit = MAX_MODEL_BYTES if limit is None else limit
    out = _walk(obj, "", where, report, limit, 0, set(), [0])
    if report.widened:
        more = f" and {len(report.widened) - 1} more" if len(report.widened) > 1 else ""
        log.warning(
            "%s: widened half-precision tensor %s%s to float32 (lossless)",
            safe_text(where),
            safe_text(report.widened[0]),
            more,
        )
    return out


def _walk(
    obj: Any,
    key: str,
    where: str,
    report: TensorReport,
    limit: int,
    depth: int,
    active: set[int],
    count: list[int],
) -> Any:
    import torch

    if torch.is_tensor(obj):
        return _check_tensor(obj, key or "(the file)", where, report, limit)
    if not isinstance(obj, (dict, list, tuple)):
        return obj
    if depth > MAX_JSON_DEPTH:
        raise DataError(f"{where}: nested more than {MAX_JSON_DEPTH} levels deep")
    if id(obj) in active:
        raise DataError(f"{where}: {safe_text(key) or 'the data'} contains itself")
    count[0] += len(obj)
    if count[0] > MAX_ITEMS:
        raise DataError(f"{where}: holds more than {MAX_ITEMS:,} entries")
    active.add(id(obj))
    try:
        if isinstance(obj, dict):
            for k, v in obj.items():
                obj[k] = _walk(
                    v,
                    f"{key}.{k}" if key else str(k),
                    where,
                    report,
                    limit,
                    depth + 1,
                    active,
                    count,
                )
            return obj
        items = [
            _walk(
                v, f"{key}.{i}" if key else str(i), where, report, limit, depth + 1, active, count
            )
            for i, v in enumerate(obj)
        ]
        return items if isinstance(obj, list) else tuple(items)
    finally:
        active.discard(id(obj))


_HALF = ("float16", "bfloat16")


def _check_tensor(t: Any, key: str, where: str, report: TensorReport, limit: int) -> Any:
    import torch

    name = safe_text(key)
    if t.layout != torch.strided or t.is_quantized or t.is_meta or t.is_complex():
        raise DataError(
            f"{where}: tensor {name!r} is not a plain dense tensor ({t.dtype}, {t.layout}); refused"
        )
    itemsize = t.element_size()
    logical = t.numel() * itemsize
    storage = t.untyped_storage().nbytes()
    # elements the view can reach: fewer than it has means some repeat (stride 0, overlap),
    # so materialising it (.float(), .contiguous()) would allocate more than the file holds
    span = 1 + sum((n - 1) * abs(s) for n, s in zip(t.shape, t.stride(), strict=True))
    if t.numel() > span or logical > max(storage, itemsize):
        storage = min(storage, span * itemsize)
        raise DataError(
            f"{where}: tensor {name!r} of shape {list(t.shape)} views {human_bytes(storage)} "
            f"of data as {human_bytes(logical)} (stride {list(t.stride())}); refused"
        )
    report.tensors += 1
    report.nbytes += logical
    if report.nbytes > limit:
        raise DataError(f"{where}: its tensors add up to more than {human_bytes(limit)}; refused")
    dtype = str(t.dtype).replace("torch.", "")
    if not t.is_floating_point():
        if t.numel() > 1:
            raise DataError(
                f"{where}: tensor {name!r} of shape {list(t.shape)} has dtype "
                f"{dtype}; weights must be floating point"
            )
        return t
    if dtype.startswith("float8"):
        raise DataError(f"{where}: tensor {name!r} has dtype {dtype}; refused (lossy)")
    if not bool(torch.isfinite(t).all()):
        raise DataError(f"{where}: tensor {name!r} holds NaN or infinite values")
    if dtype in _HALF:
        report.widened.append(key)
        return t.float()
    if dtype == "float64":
        narrow = t.float()
        if not torch.equal(narrow.double(), t):
            raise DataError(
                f"{where}: tensor {name!r} is float64 and does not fit float32 exactly; refused"
            )
        return narrow
    if dtype != "float32":
        raise DataError(f"{where}: tensor {name!r} has dtype {dtype}; refused")
    return t


# --------------------------------------------------------------------------- images


class NotAnImageError(DataError):
    """Pillow does not recognise the file as an image at all."""


def image_too_large(width: int, height: int) -> str | None:
    """The reason an image of this declared size must not be decoded, or None."""
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    if limit and width * height > limit:
        return (
            f"image too large to open safely ({width}×{height} = {width * height} "
            f"pixels, limit {limit}; a decompression bomb?)"
        )
    return None


@contextlib.contextmanager
def open_image(path: str | os.PathLike[str]) -> Iterator[Any]:
    """A lazily opened image (header only), refused above the pixel limit.

    Raises :class:`DataError` for anything Pillow cannot open, for a
    decompression bomb (declared size or oversized text chunks), never decodes
    pixels itself.
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    from ganstudio.core.data.folder import describe_error

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
    except UnidentifiedImageError:
        raise NotAnImageError(f"{path.name}: {describe_error(UnidentifiedImageError())}") from None
    except OSError as exc:
        if exc.errno is not None:  # the file itself: missing, unreadable
            raise DataError(f"{path}: cannot read ({exc.strerror})") from None
        raise DataError(f"{path.name}: {describe_error(exc)}") from None
    except Exception as exc:  # noqa: BLE001 - any decoder failure is this file's problem
        raise DataError(f"{path.name}: {describe_error(exc)}") from None
    with im:
        reason = image_too_large(*im.size)
        if reason:
            raise DataError(f"{path.name}: {reason}")
        yield im


def check_provenance(raw: str | bytes, where: str) -> dict[str, Any] | None:
    """An image's provenance text → dict (None if not GAN Studio's); damage is refused."""
    data = parse_json(raw, f"{where}: provenance", max_bytes=MAX_PROVENANCE_BYTES)
    if not isinstance(data, dict) or data.get("app") != "GAN Studio":
        return None
    for key in ("action", "app_version"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise DataError(f"{where}: damaged provenance ({key!r} is {_kind(data[key])})")
    for key in ("model", "params", "info"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise DataError(f"{where}: damaged provenance ({key!r} is {_kind(data[key])})")
    return data
