"""File → Import model… and dropped model files: foreign checkpoints into the models folder.

The work is :func:`ganstudio.services.importing.iterate_import_model` (the
same code path as ``ganstudio import``), run as a background job on a worker
thread; a progress dialog follows it, the model browser selects the result the
moment it is written, and a failure is one message box — never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from ganstudio.core.importing import MODEL_SUFFIXES, is_model_file
from ganstudio.core.jobs import BACKGROUND, Job, JobStatus
from ganstudio.core.registry import Registry
from ganstudio.errors import USER_ERRORS
from ganstudio.gui.panels.models import ModelBrowser
from ganstudio.gui.workers import JobRunner

MODEL_FILTER = (
    "Model files (" + " ".join(f"*{s}" for s in MODEL_SUFFIXES) + ");;"
    "StyleGAN2 network pickle (*.pkl);;PyTorch checkpoint (*.pt *.pth);;"
    "GAN Studio model (*.safetensors)"
)

__all__ = ["ModelImporter", "import_job", "is_model_file"]


def import_job(registry: Registry, src: Path, folder: Path | None = None) -> Job:
    """A background job importing ``src``; its result is the new model file.

    A failure leaves ``job.failure``: one sentence for the user (a damaged or
    unknown file says what is wrong with the file, not where the code tripped).
    """

    def work(job: Job) -> Generator[Any, None, Path]:
        from ganstudio.services.importing import iterate_import_model

        try:  # the same path and checks as `ganstudio import`
            out = (yield from iterate_import_model(registry, src, folder=folder)).path
        except USER_ERRORS as exc:
            job.failure = str(exc)  # type: ignore[attr-defined]
            raise
        except Exception as exc:  # noqa: BLE001 - a hostile file must not show a traceback
            job.failure = (  # type: ignore[attr-defined]
                f"{src.name} could not be read as a model ({type(exc).__name__}: {exc})"
            )
            raise
        return out

    return Job(f"Import {src.name}", work, lane=BACKGROUND, kind="import")


class ModelImporter(QObject):
    """Starts imports, shows their progress, selects the result, reports failures."""

    imported = Signal(object)  # Path of the new model file

    def __init__(
        self,
        runner: JobRunner,
        registry: Callable[[], Registry],
        browser: ModelBrowser,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.runner, self.registry, self.browser = runner, registry, browser
        self.window = parent
        self._progress: dict[str, QProgressDialog] = {}  # job id -> its dialog
        runner.job_event.connect(self._event)
        runner.job_finished.connect(self._finished)

    def choose(self) -> None:
        """File → Import model…"""
        names, _ = QFileDialog.getOpenFileNames(self.window, "Import model", "", MODEL_FILTER)
        self.import_files([Path(n) for n in names])

    def import_files(self, files: list[Path]) -> list[Job]:
        jobs = []
        for src in files:
            job = import_job(self.registry(), src)
            dialog = QProgressDialog(f"Importing {src.name}…", "Cancel", 0, 100, self.window)
            dialog.setWindowTitle("Import model")
            dialog.setWindowModality(Qt.WindowModality.NonModal)
            dialog.setMinimumDuration(300)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            dialog.setValue(0)
            dialog.canceled.connect(lambda j=job: self.runner.cancel(j))
            self._progress[job.id] = dialog
            jobs.append(self.runner.submit(job))
        return jobs

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.critical(self.window, title, text)

    # -- job signals ----------------------------------------------------------------
    def _event(self, job: Job, event: Any) -> None:
        dialog = self._progress.get(job.id)
        if dialog is None:
            return
        fraction = getattr(event, "fraction", None)
        if fraction is not None:
            dialog.setValue(round(100 * float(fraction)))
        message = getattr(event, "message", "")
        if message:
            dialog.setLabelText(f"{job.title}: {message}")

    def _finished(self, job: Job) -> None:
        dialog = self._progress.pop(job.id, None)
        if dialog is None:
            return
        dialog.canceled.disconnect()
        dialog.close()
        dialog.deleteLater()
        if job.status == JobStatus.DONE:
            out = Path(job.result)
            self.browser.refresh()
            self.browser.select(out)
            self.imported.emit(out)
        elif job.status == JobStatus.FAILED:
            text = getattr(job, "failure", "") or job.error
            self.show_error("Import failed", text)
