"""The one validation module for foreign data: its rules on their own (no CLI)."""

from __future__ import annotations

import io
import threading
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from ganstudio.core import untrusted
from ganstudio.errors import CheckpointError, DataError


def test_safe_text_escapes_controls_and_keeps_ordinary_unicode() -> None:
    text = "a\x1b]0;title\x07b\x1b[2Jc\x9b31m d\u202eevil é × 🙂\n"
    assert untrusted.safe_text(text) == (
        "a\\x1b]0;title\\x07b\\x1b[2Jc\\x9b31m d\\u202eevil é × 🙂\\x0a"
    )


def test_json_nesting_is_refused_before_parsing_but_brackets_in_strings_are_text() -> None:
    assert untrusted.parse_json('{"a": "' + "[" * 10_000 + '"}', "x") == {"a": "[" * 10_000}
    assert untrusted.parse_json("[" * 64 + "]" * 64, "x") is not None
    with pytest.raises(DataError, match="x nests deeper than 64 levels"):
        untrusted.parse_json("[" * 65 + "]" * 65, "x")
    with pytest.raises(DataError, match="x is too large"):
        untrusted.parse_json("1" * 100, "x", max_bytes=10)
    with pytest.raises(DataError, match="-Infinity is not a number JSON allows"):
        untrusted.parse_json('{"a": -Infinity}', "x")


def _variant(build) -> SimpleNamespace:
    return SimpleNamespace(build=build)


def test_memory_is_measured_on_meta_and_a_huge_build_is_aborted_early() -> None:
    def build(cfg):
        return {"G": nn.Sequential(*(nn.Linear(cfg, cfg) for _ in range(4)))}

    assert untrusted.check_build_memory(_variant(build), 64, "m") == 4 * (64 * 64 + 64) * 4
    with pytest.raises(CheckpointError, match=r"m: its config implies at least 4.0 GB"):
        untrusted.check_build_memory(_variant(build), 2**15, "m", limit=2**30)
    # nothing was left counting: a real build afterwards is unaffected
    assert nn.Linear(3, 3).weight.device.type == "cpu"


def test_too_many_layers_are_refused(monkeypatch) -> None:
    monkeypatch.setattr(untrusted, "MAX_MODULES", 50)
    monkeypatch.setattr(untrusted, "MAX_TENSORS", 50)

    def build(n):
        return {"G": nn.ModuleList(nn.Identity() for _ in range(n))}

    def linears(n):  # layers made first, registered last: their weights are counted
        return {"G": nn.Sequential(*[nn.Linear(2, 2) for _ in range(n)])}

    assert untrusted.check_build_memory(_variant(build), 40, "m") == 0
    with pytest.raises(CheckpointError, match="more than 50 layers or weight tensors"):
        untrusted.check_build_memory(_variant(build), 10**7, "m")
    with pytest.raises(CheckpointError, match="more than 50 layers or weight tensors"):
        untrusted.check_build_memory(_variant(linears), 10**7, "m")


def test_measuring_in_one_thread_does_not_count_another_threads_modules(monkeypatch) -> None:
    monkeypatch.setattr(untrusted, "MAX_MODULES", 50)
    started, release = threading.Event(), threading.Event()

    def slow_build(n):
        started.set()
        release.wait(5)
        return {"G": nn.ModuleList(nn.Identity() for _ in range(n))}

    result: list[object] = []
    worker = threading.Thread(
        target=lambda: result.append(untrusted.check_build_memory(_variant(slow_build), 10, "m"))
    )
    worker.start()
    started.wait(5)
    nn.ModuleList(nn.Identity() for _ in range(200))  # the GUI thread building something big
    release.set()
    worker.join(5)
    assert result == [0]


def test_tensors_sharing_one_storage_are_fine_but_expansions_are_not() -> None:
    base = torch.arange(12, dtype=torch.float32)
    buf = io.BytesIO()
    torch.save({"a": base[:6].view(2, 3), "b": base[6:], "n": torch.tensor(3)}, buf)
    buf.seek(0)
    state = untrusted.check_tensors(torch.load(buf, weights_only=True), "f")
    assert state["b"].tolist() == [6, 7, 8, 9, 10, 11]
    with pytest.raises(DataError, match=r"tensor 'w' of shape \[4, 3\] views 12 bytes"):
        untrusted.check_tensors({"w": base[:3].expand(4, 3)}, "f")


def test_float64_is_narrowed_only_when_exact() -> None:
    exact = untrusted.check_tensors({"w": torch.tensor([0.5, 2.0], dtype=torch.float64)}, "f")
    assert exact["w"].dtype == torch.float32
    with pytest.raises(DataError, match="float64 and does not fit float32 exactly"):
        untrusted.check_tensors({"w": torch.tensor([0.1], dtype=torch.float64)}, "f")


def test_config_values_are_typed_by_the_dataclass() -> None:
    from dataclasses import dataclass

    @dataclass
    class Cfg:
        size: int = 4
        rate: float = 0.1
        names: tuple[str, ...] = ()
        flag: bool = False

        def validate(self) -> None:
            if self.size > 64:
                raise ValueError("size must be at most 64")

    assert untrusted.config_from_untrusted(Cfg, {"names": ["a"], "rate": 1}, "m").names == ("a",)
    for data, message in (
        ({"size": True}, "'size' must be a whole number, got True"),
        ({"rate": "x"}, "'rate' must be a number"),
        ({"names": "abc"}, "'names' must be a list"),
        ({"names": [1]}, "'names' must hold str items"),
        ({"flag": 1}, "'flag' must be true or false"),
        ({"size": 65}, "config does not fit its variant: size must be at most 64"),
    ):
        with pytest.raises(CheckpointError, match=message):
            untrusted.config_from_untrusted(Cfg, data, "m")
