"""Plugins that hang, end or trap the process: each runs through the real CLI.

A third-party plugin is checked once in a child process (verdict cached by
the hash of its files); an offender is disabled with the reason and the
command goes on.  Timeouts here are 2 s so the hanging cases stay quick.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ganstudio import plugins

REPO = Path(__file__).resolve().parent.parent

GOOD = """
from ganstudio.core.specs import Action, ActionResult
GANSTUDIO_API = 1

def _run(model, params, inputs):
    from PIL import Image
    return ActionResult(images=[Image.new("RGB", (8, 8), "red")])

def ganstudio_actions():
    return [Action("red-square", "Red square", _run)]
"""

HOSTILE = {
    "sleeps": (
        "import time\ntime.sleep(120)\nGANSTUDIO_API = 1\n",
        "did not finish loading within 2 s",
    ),
    "loops_in_hook": (
        "GANSTUDIO_API = 1\ndef ganstudio_actions():\n    while True:\n        pass\n",
        "did not finish loading within 2 s (it hangs at import or in a hook)",
    ),
    "exits": ("import os\nos._exit(0)\n", "ended the process while loading (exit code 0"),
    "traps": (
        "class Trap(BaseException):\n    pass\nGANSTUDIO_API = 1\nraise Trap('gotcha')\n",
        "raised Trap: gotcha (traps.py:4) while loading",
    ),
    "interrupts": (
        "GANSTUDIO_API = 1\nraise KeyboardInterrupt\n",
        "raised KeyboardInterrupt (interrupts.py:2) while loading",
    ),
    "threads": (
        "import threading, time\nGANSTUDIO_API = 1\n"
        "threading.Thread(target=time.sleep, args=(3600,), name='keeper').start()\n",
        "started a non-daemon thread ('keeper')",
    ),
}


HANGING = ("sleeps", "loops_in_hook")


def cli(
    home: Path, folder: Path, *argv: str, timeout: float = 60, probe_timeout: str = "2"
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "GANSTUDIO_HOME": str(home),
        "GANSTUDIO_PLUGIN_PATH": str(folder),
        "GANSTUDIO_PLUGIN_PROBE_TIMEOUT": probe_timeout,
        "QT_QPA_PLATFORM": "offscreen",
    }
    return subprocess.run(
        [sys.executable, "-m", "ganstudio", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "plugins"
    out.mkdir()
    (out / "good.py").write_text(textwrap.dedent(GOOD))
    return out


@pytest.mark.parametrize("hanging", [True, False], ids=["hanging", "ending-or-trapping"])
def test_hostile_plugins_are_disabled_and_the_command_goes_on(
    folder: Path, isolated_home: Path, hanging: bool
) -> None:
    """Several in one folder, probed in parallel: one CLI run per group.

    The hanging ones get a 2 s limit; the others the default (generous, so a
    loaded test machine cannot turn them into a timeout).
    """
    chosen = {k: v for k, v in HOSTILE.items() if (k in HANGING) == hanging}
    for name, (source, _) in chosen.items():
        (folder / f"{name}.py").write_text(source)
    done = cli(isolated_home, folder, "plugins", probe_timeout="2" if hanging else "30")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for name, (_, reason) in chosen.items():
        head = next(i for i, line in enumerate(lines) if line.startswith(f"{name} "))
        assert "[failed]" in lines[head], name
        error = lines[head + 1].strip()
        assert error.startswith("error: disabled automatically: "), error
        assert reason in error, (name, error)
    if not hanging:
        assert any(line.startswith("good ") and "[loaded]" in line for line in lines)


def test_exit_at_import_no_longer_fakes_success(
    folder: Path, isolated_home: Path, tmp_path: Path
) -> None:
    (folder / "exits.py").write_text(HOSTILE["exits"][0])
    target = tmp_path / "x.png"
    done = cli(isolated_home, folder, "run", "red-square", "-o", str(target), probe_timeout="30")
    assert done.returncode == 0, done.stderr
    assert target.is_file()
    warnings = [line for line in done.stderr.splitlines() if "plugin" in line]
    assert warnings == [
        "WARNING ganstudio.plugins: 1 plugin failed to load: see 'ganstudio plugins'"
    ]


def test_one_summary_line_for_several_broken_plugins(
    folder: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(folder))
    (folder / "broken_a.py").write_text("GANSTUDIO_API = 1\ndef ganstudio_actions(:\n")
    (folder / "broken_b.py").write_text("import no_such_module_for_sure\n")
    caplog.set_level("WARNING")
    reg = plugins.discover()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ["2 plugins failed to load: see 'ganstudio plugins'"]
    assert "SyntaxError" in reg.plugins["broken_a"].error  # the details stay in the listing
    plugins.purge_folder_modules()


def test_disable_by_name_reaches_a_hanging_plugin_in_safe_mode(
    folder: Path, isolated_home: Path
) -> None:
    (folder / "sleeps.py").write_text(HOSTILE["sleeps"][0])
    done = cli(isolated_home, folder, "--safe-mode", "plugins", "disable", "sleeps", timeout=20)
    assert (done.returncode, done.stdout.strip()) == (
        0,
        "sleeps: disabled (takes effect at the next start)",
    )
    listing = cli(isolated_home, folder, "plugins", timeout=20)
    assert "sleeps unknown [disabled]" in listing.stdout
    assert "WARNING" not in listing.stderr
    done = cli(isolated_home, folder, "plugins", "disable", "nosuch")
    assert done.returncode == 2
    assert done.stderr.startswith("ganstudio plugins: error: no plugin named 'nosuch' (plugins: ")


def test_probe_runs_once_per_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(folder))
    (folder / "good.py").write_text(textwrap.dedent(GOOD))
    probed: list[list[str]] = []
    real = plugins.probe

    def counting(cands, timeout=None):
        probed.append([c.name for c in cands])
        return real(cands, timeout)

    monkeypatch.setattr(plugins, "probe", counting)
    assert plugins.discover().plugins["good"].status == "loaded"
    plugins.purge_folder_modules()
    assert plugins.discover().plugins["good"].status == "loaded"
    assert probed == [["good"]]  # the second start used the cached verdict
    (folder / "good.py").write_text(textwrap.dedent(GOOD) + "\n# edited\n")
    plugins.purge_folder_modules()
    plugins.discover()
    assert probed == [["good"], ["good"]]  # a changed file is checked again
    plugins.purge_folder_modules()


def test_builtins_are_never_probed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins, "probe", lambda *a, **k: pytest.fail("probed a built-in"))
    reg = plugins.discover()
    assert reg.plugins["dcgan"].status == "loaded"


def test_a_check_that_cannot_start_blames_no_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken environment (GAN Studio cannot start in the child) is not cached as a verdict."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(folder))
    (folder / "good.py").write_text(textwrap.dedent(GOOD))
    monkeypatch.setattr(plugins, "_probe_code", lambda: "import sys; sys.exit(3)")
    assert plugins.discover().plugins["good"].status == "loaded"
    assert plugins._load_cache()["probes"] == {}  # checked again next time
    plugins.purge_folder_modules()


def test_enable_gives_a_blocked_plugin_a_fresh_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from ganstudio.cli import main

    folder = tmp_path / "plugins"
    folder.mkdir()
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(folder))
    (folder / "traps.py").write_text(HOSTILE["traps"][0])
    assert plugins.discover().plugins["traps"].error.startswith("disabled automatically: raised")
    assert main(["plugins", "disable", "traps"]) == 0
    assert capsys.readouterr().out.strip() == "traps: disabled (takes effect at the next start)"
    assert plugins.discover().plugins["traps"].status == "disabled"  # and not probed again
    probed: list[str] = []
    monkeypatch.setattr(
        plugins,
        "probe",
        lambda cands, timeout=None: (
            probed.extend(c.name for c in cands)
            or {c.location: {"ok": True, "reason": ""} for c in cands}
        ),
    )
    assert main(["plugins", "enable", "traps"]) == 0
    assert capsys.readouterr().out.strip() == "traps: enabled (takes effect at the next start)"
    plugins.discover()
    assert probed == ["traps"]  # the cached verdict was dropped: checked again
    plugins.purge_folder_modules()
