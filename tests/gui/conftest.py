"""Qt fixtures: offscreen, isolated user state, a tiny trained model, a leak check."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc  # noqa: E402
import shutil  # noqa: E402
import weakref  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from ganstudio import plugins  # noqa: E402
from ganstudio.core.registry import Registry  # noqa: E402
from ganstudio.gui import workers  # noqa: E402


@pytest.fixture(scope="session")
def registry() -> Registry:
    return plugins.discover(safe_mode=True)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Path:
    """A 32 px DCGAN trained for 4 steps on 64 procedural faces (a few seconds)."""
    import torch

    from ganstudio.core.specs import DataRequest, apply_overrides
    from ganstudio.core.training import Trainer, TrainOptions

    torch.set_num_threads(1)
    variant = registry.variant("dcgan")
    config = apply_overrides(variant.config(), {"resolution": 32, "width": 8, "z_dim": 16})
    dataset = registry.dataset("procedural").open("faces?count=64", DataRequest(32))
    out = tmp_path_factory.mktemp("run") / "tiny"
    options = TrainOptions(steps=4, batch_size=8, num_workers=0, sample_every=0, checkpoint_every=0)
    trainer = Trainer(
        variant,
        config,
        dataset,
        out,
        options,
        registry.objective("bce").factory(),
        variant_id="dcgan",
        plugin="dcgan",
    )
    for _ in trainer.run():
        pass
    return out / "checkpoints" / "latest.safetensors"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GANSTUDIO_HOME and QSettings under tmp_path: no test touches the user's state."""
    home = tmp_path / "home"
    monkeypatch.setenv("GANSTUDIO_HOME", str(home))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings")
    )
    return home


@pytest.fixture
def home_model(isolated_home: Path, tiny_model: Path) -> Path:
    """The tiny model placed in the user's models folder, where the browser finds it."""
    dest = isolated_home / "models" / "tiny-faces.safetensors"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tiny_model, dest)
    return dest


@pytest.fixture(autouse=True)
def no_leaked_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that leaves a worker QThread running (napari's leak check)."""
    started: weakref.WeakSet[workers.JobWorker] = weakref.WeakSet()
    original = workers.JobWorker.start

    def start(self: workers.JobWorker, *args: object) -> None:
        started.add(self)
        original(self, *args)

    monkeypatch.setattr(workers.JobWorker, "start", start)
    yield
    leaked = []
    for worker in list(started):
        try:
            if worker.isRunning():
                leaked.append(worker.job.title)
                worker.job.cancel()
                worker.wait(5000)
        except RuntimeError:  # already deleted on the C++ side: not running
            pass
    assert not leaked, f"worker threads still running after the test: {leaked}"


@pytest.fixture
def make_window(qtbot, registry: Registry, monkeypatch: pytest.MonkeyPatch):
    """Build main windows; questions are answered by ``answers`` (default: yes)."""
    from ganstudio.gui.app import make_app
    from ganstudio.gui.main_window import MainWindow

    make_app([])
    answers: list[bool] = []
    monkeypatch.setattr(MainWindow, "ask", lambda self, t, q: answers.pop(0) if answers else True)
    # "open into a document with layers": the default button (what the user did last)
    monkeypatch.setattr(MainWindow, "ask_open_into", lambda self, name, default: default)
    saves: list[str] = []  # Save / Discard / Cancel answers (default: discard)
    monkeypatch.setattr(
        MainWindow, "ask_save", lambda self, t, q: saves.pop(0) if saves else "discard"
    )
    made: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(registry)
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        return window

    make.answers = answers  # type: ignore[attr-defined]
    make.saves = saves  # type: ignore[attr-defined]
    yield make
    for window in made:
        window.runner.shutdown()
    # Free the windows here, while no worker thread runs, rather than whenever the
    # garbage collector next runs: that may be mid-way through a later test, beside
    # its worker's torch code (a segfault seen once in CI at such a moment).
    from PySide6.QtCore import QCoreApplication, QEvent

    for window in made:
        window.close()
        window.deleteLater()
    made.clear()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def pick_model(qtbot):
    """Click a model file in the browser and wait until the worker has loaded it."""
    from PySide6.QtCore import Qt

    def pick(window, path: Path) -> None:
        item = window.models.item_for(path)
        assert item is not None, "the browser lists the model in the user's models folder"
        window.models.tree.scrollToItem(item)  # more plugins listed can push it out of view
        rect = window.models.tree.visualItemRect(item)
        qtbot.mouseClick(
            window.models.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
        )
        qtbot.waitUntil(lambda: window.cache.loaded(path) is not None, timeout=20000)

    return pick
