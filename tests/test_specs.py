"""Typed params and config overrides: what the CLI's --param and --set accept."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pytest

from ganstudio.core.specs import (
    Action,
    BoolParam,
    ChoiceParam,
    ConfigError,
    DatasetSource,
    FloatParam,
    IntParam,
    ParamError,
    SeedParam,
    apply_overrides,
    parse_params,
)

PARAMS = (
    SeedParam("seed", 0),
    IntParam("count", 1, min=1, max=16),
    FloatParam("psi", 1.0, min=0.0, max=1.0),
    ChoiceParam("mode", "a", choices=("a", "b")),
    BoolParam("flip", False),
)


def test_parse_fills_defaults_and_types() -> None:
    values = parse_params(PARAMS, ["count=4", "psi=0.5", "flip=yes", "mode=b"])
    assert values == {"seed": 0, "count": 4, "psi": 0.5, "mode": "b", "flip": True}


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("count=0", "out of range"),
        ("count=2.5", "expected an integer"),
        ("psi=nan", "out of range"),
        ("mode=c", "not one of: a, b"),
        ("flip=maybe", "true/false"),
        ("nope=1", "unknown parameter 'nope'"),
        ("count", "expected name=value"),
        ("seed=-1", "out of range"),
    ],
)
def test_bad_params_are_one_line_errors(pair: str, message: str) -> None:
    with pytest.raises(ParamError, match=message):
        parse_params(PARAMS, [pair])


@dataclass
class Cfg:
    resolution: int = 64
    lr: float = 2e-4
    amp: bool = False
    sizes: tuple[int, ...] = (1, 2)

    def validate(self) -> None:
        if self.resolution < 8:
            raise ValueError("resolution too small")


def test_overrides_coerce_by_field_type() -> None:
    cfg = apply_overrides(Cfg(), {"resolution": "32", "lr": "1e-3", "amp": "true", "sizes": "4,8"})
    assert cfg == Cfg(32, 1e-3, True, (4, 8))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nope", "1", "unknown config key 'nope'"),
        ("resolution", "big", "cannot read 'big' as int"),
        ("resolution", "4", "resolution too small"),
    ],
)
def test_bad_overrides(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        apply_overrides(Cfg(), {key: value})


def _noop(model, params, inputs):
    return None


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (
            Action("a", "A", _noop, output_kind="picture"),
            "output_kind 'picture' is not one of image, images, model",
        ),
        (
            Action("a", "A", _noop, requires="sample"),
            "requires 'sample' (a frozenset of words is expected)",
        ),
        (
            Action("a", "A", _noop, batchable=True),
            "batchable actions need input_kind='image'",
        ),
        (
            DatasetSource("d", "D", _noop, kinds=frozenset({"audio"})),
            "kind 'audio' is not one of image, labels, paired, unpaired, video, voxels",
        ),
        (
            Action("x:y", "A", _noop),
            "id must be a non-empty string without ':'",
        ),
    ],
    ids=["output-kind", "requires-str", "batchable", "data-kind", "id"],
)
def test_spec_problems_name_the_field(spec, problem: str) -> None:
    from ganstudio.core.specs import spec_problems

    assert any(problem in p for p in spec_problems(spec)), spec_problems(spec)


def test_custom_capability_words_are_allowed_and_spotted() -> None:
    from ganstudio.core.specs import spec_problems, unknown_capabilities

    action = Action("a", "A", _noop, requires=frozenset({"sample", "x-depth"}))
    assert spec_problems(action) == []
    assert unknown_capabilities(action) == ["x-depth"]


def test_spec_remembers_where_it_was_made() -> None:
    line = inspect.currentframe().f_lineno + 1
    action = Action("a", "A", _noop)
    assert action.defined_at == f"{__file__}:{line}"
