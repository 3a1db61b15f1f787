"""File → Import model… and dropping a checkpoint onto the window (pytest-qt)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox
from torch import nn


def examples_netg(path: Path, nz: int = 16, ngf: int = 4) -> Path:
    """A tiny generator saved the way pytorch/examples' dcgan/main.py saves netG (32 px)."""
    torch.manual_seed(0)
    layers: list[nn.Module] = [
        nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
        nn.BatchNorm2d(ngf * 4),
        nn.ReLU(True),
    ]
    for i, o in ((ngf * 4, ngf * 2), (ngf * 2, ngf)):
        layers += [nn.ConvTranspose2d(i, o, 4, 2, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(True)]
    layers += [nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh()]
    net = nn.Module()
    net.main = nn.Sequential(*layers)  # the examples' key names: main.N.…
    torch.save(net.state_dict(), path)
    return path


def drop(window, *files: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Message boxes the import shows, recorded instead of blocking the test."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda parent, title, text, *a: shown.append((title, text))
    )
    return shown


def test_dropping_a_pt_imports_it_and_selects_it(
    qtbot, window, isolated_home, tmp_path, errors
) -> None:
    src = examples_netg(tmp_path / "netG_epoch_24.pt")
    with qtbot.waitSignal(window.importer.imported, timeout=30_000) as got:
        drop(window, src)
    out = got.args[0]
    assert out == isolated_home / "models" / "netG_epoch_24.safetensors"
    assert out.is_file() and not errors
    assert window.models.item_for(out) is not None  # in the browser…
    assert window.controller.model_file is not None
    assert window.controller.model_file.path == out  # …and already the current model
    assert window.controller.model_file.variant == "dcgan"
    assert len(window.document) == 0  # a model file is never opened as an image
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30_000)  # its load job ends


def test_a_second_import_of_the_same_name_keeps_the_first(
    qtbot, window, isolated_home, tmp_path, errors
) -> None:
    src = examples_netg(tmp_path / "netG.pth")
    for expected in ("netG.safetensors", "netG-2.safetensors"):
        with qtbot.waitSignal(window.importer.imported, timeout=30_000) as got:
            window.importer.import_files([src])
        assert got.args[0].name == expected
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30_000)


@pytest.mark.parametrize("content", [b"\x80\x02 not a checkpoint at all" * 10, None])
def test_a_damaged_or_unknown_file_is_one_clear_dialog(
    qtbot, window, isolated_home, tmp_path, errors, capfd, content
) -> None:
    src = tmp_path / "broken.pt"
    if content is None:  # a real weights file that no importer recognises
        torch.save({"encoder.weight": torch.zeros(3, 3)}, src)
    else:
        src.write_bytes(content)
    drop(window, src)
    qtbot.waitUntil(lambda: bool(errors), timeout=30_000)
    assert len(errors) == 1
    title, text = errors[0]
    assert title == "Import failed" and "broken.pt" in text
    assert "Traceback" not in text and "Error:" not in text.split("broken.pt")[0]
    assert "recognised" in text or "refused" in text
    assert "Traceback" not in capfd.readouterr().err
    assert not list((isolated_home / "models").glob("*"))  # nothing half-written
    assert window.controller.model_file is None


def test_a_gan_studio_model_file_is_copied_in(
    qtbot, window, isolated_home, tiny_model, errors
) -> None:
    with qtbot.waitSignal(window.importer.imported, timeout=30_000) as got:
        drop(window, tiny_model)
    assert got.args[0] == isolated_home / "models" / "latest.safetensors"
    assert got.args[0].read_bytes() == tiny_model.read_bytes()
    assert window.controller.model_file.path == got.args[0]
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30_000)


def test_the_file_menu_offers_import(window) -> None:
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "&Import model…" in texts
