"""Errors are shown, logged and never lost on the terminal; exports say what they are."""

from __future__ import annotations

import sys

from PIL import Image
from PySide6.QtWidgets import QApplication, QFileDialog

from ganstudio.cli import main as cli
from ganstudio.core.imaging import read_provenance
from ganstudio.core.jobs import Job, JobStatus
from ganstudio.core.specs import Progress
from ganstudio.gui import errors
from ganstudio.gui.errors import ErrorDialog


def error_dialogs() -> list[ErrorDialog]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog) and w.isVisible()
    ]


def save_as(monkeypatch, path, chosen_filter: str) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), chosen_filter))


def test_export_without_an_extension_takes_the_filters(window, tmp_path, monkeypatch) -> None:
    window.add_image(Image.new("RGB", (20, 10), (1, 2, 3)), "photo")
    save_as(monkeypatch, tmp_path / "picture", "JPEG (*.jpg *.jpeg)")
    window.export_composite_dialog()
    assert (tmp_path / "picture.jpg").is_file()
    save_as(monkeypatch, tmp_path / "layer", "WebP (*.webp)")
    window.export_layer_dialog()
    assert (tmp_path / "layer.webp").is_file()
    assert not error_dialogs()


def test_a_failing_export_is_a_dialog_with_details_and_a_log(
    qtbot, window, tmp_path, monkeypatch
) -> None:
    window.add_image(Image.new("RGB", (20, 10)), "photo")
    save_as(monkeypatch, tmp_path / "picture.xyz", "PNG (*.png)")  # a format we cannot write
    window.export_composite_dialog()
    dialog = error_dialogs()[-1]
    qtbot.addWidget(dialog)
    log = errors.log_path()
    assert str(log) in dialog.informativeText()
    assert "Traceback" in dialog.detailedText()
    assert ".xyz" in log.read_text(encoding="utf-8")
    dialog.close()


def test_a_failed_background_job_opens_a_dialog_with_its_traceback(qtbot, window) -> None:
    def broken(job: Job):
        yield Progress(message="starting")
        raise RuntimeError("the GPU caught fire")

    job = window.runner.submit(Job("Broken", broken))
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=5000)
    dialog = error_dialogs()[-1]
    qtbot.addWidget(dialog)
    assert job.status == JobStatus.FAILED
    assert "the GPU caught fire" in dialog.text()
    assert "in broken" in dialog.detailedText()  # the frame where it happened
    dialog.close()


def test_uncaught_exceptions_become_a_dialog(qtbot, window, monkeypatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    import threading

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    errors.install_excepthook(lambda: window)
    try:
        raise ValueError("a slot broke")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=5000)
    dialog = error_dialogs()[-1]
    qtbot.addWidget(dialog)
    assert "a slot broke" in dialog.text() and "Traceback" in dialog.detailedText()
    assert "a slot broke" in errors.log_path().read_text(encoding="utf-8")
    dialog.close()


def test_export_records_provenance_for_ganstudio_info(window, tmp_path, capsys) -> None:
    prov = {"action": "generate", "params": {"seed": 5}, "model": {"file": "m.safetensors"}}
    window.document.add_layer(Image.new("RGB", (8, 8)), "face", provenance=prov)
    one = window.export_composite(tmp_path / "one.png")
    assert read_provenance(one)["action"] == "generate"
    window.add_image(Image.new("RGB", (8, 8), (9, 9, 9)), "photo")
    two = window.export_composite(tmp_path / "two.png")
    recorded = read_provenance(two)
    assert recorded["action"] == "composite of 2 layers"
    assert [layer["action"] for layer in recorded["layers"]] == ["generate", None]
    capsys.readouterr()
    assert cli(["info", str(two)]) == 0
    out = capsys.readouterr().out
    assert "action: composite of 2 layers" in out and "None" not in out
