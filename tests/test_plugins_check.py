"""``ganstudio plugins check PATH``: problems at the plugin's own line, exit 1; clean → exit 0."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ganstudio.cli import main

BROKEN_ACTION = """
from ganstudio.core.specs import Action, ActionResult, IntParam
GANSTUDIO_API = 1

def _run(model, params, inputs):
    return ActionResult(images=[1 / params["n"]])

def ganstudio_actions():
    return [
        Action("ok-default", "Fine", lambda m, p, i: ActionResult(images=[])),
        Action("divide", "Divide", _run, params=(IntParam("n", 0, min=0, max=4),)),
        Action("bad-default", "Bad", _run, params=(IntParam("n", 9, min=0, max=4),)),
    ]
"""


def check(path: Path, capsys: pytest.CaptureFixture) -> tuple[int, list[str]]:
    code = main(["plugins", "check", str(path)])
    return code, capsys.readouterr().out.splitlines()


def test_problems_are_reported_at_the_plugin_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "divider.py"
    path.write_text(textwrap.dedent(BROKEN_ACTION))
    code, lines = check(path, capsys)
    assert code == 1
    fails = [line for line in lines if line.startswith("FAIL")]
    assert (
        "FAIL  action divide: run with its defaults: "
        "ZeroDivisionError: division by zero (divider.py:6)"
    ) in fails
    assert any(
        line.startswith("FAIL  divider.py:12: action bad-default: the default of 'n' is refused")
        for line in fails
    )
    assert "FAIL  action ok-default: output_kind is 'image' but it returned no images" in fails
    assert lines[-1] == "3 problem(s) found"


def test_a_hanging_plugin_is_reported_not_suffered(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PROBE_TIMEOUT", "1")
    path = tmp_path / "stuck.py"
    path.write_text("import time\ntime.sleep(60)\n")
    code, lines = check(path, capsys)
    assert code == 1
    assert lines[1] == (
        "FAIL  isolated import: did not finish loading within 1 s (it hangs at import or in a hook)"
    )


def test_not_a_plugin_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "notes.txt").write_text("x")
    assert main(["plugins", "check", str(tmp_path / "notes.txt")]) == 2
    assert "not a plugin" in capsys.readouterr().err
