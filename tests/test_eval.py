"""``ganstudio eval`` end to end: a bundled model, procedural data, the reference cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ganstudio.cli import main
from ganstudio.core import paths

ARGS = ["--data", "procedural:faces?count=48", "--count", "40", "--batch-size", "20"]


def run_eval(capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["eval", "cgan-faces-32", *ARGS, "--no-progress", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def cache_files() -> list[Path]:
    return sorted((paths.cache_dir() / "metrics").glob("*.safetensors"))


def test_eval_prints_every_metric_and_caches_the_reference(capsys) -> None:
    code, out, err = run_eval(capsys)
    assert code == 0, err
    assert "40 generated, 40 real images (computed, now cached)" in out
    for name in ("FID", "KID", "IS", "precision", "recall"):
        assert f"\n{name} " in f"\n{out}"
    (cached,) = cache_files()

    code, again, err = run_eval(capsys)
    assert code == 0, err
    assert "(cached)" in again
    # the same seeds and the same reference: the same numbers
    assert again.splitlines()[1:] == out.splitlines()[1:]

    cached.write_bytes(b"\x00garbage, as a crash or a full disk might leave")
    code, rebuilt, err = run_eval(capsys)
    assert code == 0, err
    assert "(computed, now cached)" in rebuilt
    assert rebuilt.splitlines()[1:] == out.splitlines()[1:]
    assert cache_files() == [cached] and cached.stat().st_size > 1000  # rewritten whole


def test_eval_json_and_a_subset_of_metrics(capsys) -> None:
    code, out, err = run_eval(capsys, "--metrics", "fid,pr", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"fid", "precision", "recall", "extractor", "reference_cached"}
    assert "kid" not in data and "is" not in data
    assert data["fid"] > 0 and 0 <= data["precision"] <= 1
    assert data["extractor"].startswith("feature-net-faces")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--metrics", "fid,sharpness"], "unknown metric 'sharpness'"),
        (["--extractor", "inception:/no/such/pt_inception.pth"], "no such Inception weights"),
        (["--extractor", "vgg"], "unknown extractor 'vgg'"),
        (["--extractor", "pixels", "--metrics", "is"], "no class logits"),
        (["--count", "1"], "--count must be at least 2"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, extra: list[str], message: str) -> None:
    code, out, err = run_eval(capsys, *extra)
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_missing_model_or_data_is_exit_2(capsys) -> None:
    assert main(["eval", "no-such-model", *ARGS, "--no-progress"]) == 2
    assert main(["eval", "cgan-faces-32", "--data", "/no/such/folder", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "no-such-model" in err and "/no/such/folder" in err
    # an upscaler makes no images from noise: refused before any image is measured
    assert main(["eval", "sr-compact-x2", *ARGS, "--no-progress"]) == 2
    assert "nothing to measure" in capsys.readouterr().err
