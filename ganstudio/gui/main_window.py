"""The main window: canvas in the middle, docks around it, menus with standard keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image
from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from ganstudio import plugins
from ganstudio.core import paths
from ganstudio.core.data.folder import describe_error
from ganstudio.core.document import (
    PROJECT_SUFFIX,
    Document,
    Layer,
    ProjectError,
    SetCanvasSize,
    autosave,
    discard_recovery,
    export_provenance,
    find_recovery,
    grow_canvas,
    open_recovery,
)
from ganstudio.core.imaging import save_image
from ganstudio.core.jobs import JobStatus, JobStore
from ganstudio.core.registry import Registry
from ganstudio.core.untrusted import open_image, safe_text
from ganstudio.errors import DataError
from ganstudio.gui.canvas import Canvas, qimage_to_pil
from ganstudio.gui.controller import ActionController
from ganstudio.gui.dialogs.import_model import ModelImporter, is_model_file
from ganstudio.gui.dialogs.plugins import PluginsDialog
from ganstudio.gui.dialogs.settings import SettingsDialog
from ganstudio.gui.dialogs.train import TrainDialog
from ganstudio.gui.errors import guarded, show_error
from ganstudio.gui.face_picker import FacePicker
from ganstudio.gui.lab import install_gan_lab
from ganstudio.gui.panels.actions import ActionPanel
from ganstudio.gui.panels.jobs import JobsPanel, JobStatusWidget
from ganstudio.gui.panels.layers import LayersPanel
from ganstudio.gui.panels.models import ModelBrowser
from ganstudio.gui.panels.training import TrainingPanel
from ganstudio.gui.playback import install_playback
from ganstudio.gui.tasks import ModelCache, TrainSpec, resume_stored_job, train_job
from ganstudio.gui.tools import install_editor_tools
from ganstudio.gui.voxel_view import install_voxel_viewer
from ganstudio.gui.workers import JobRunner

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)"
EXPORT_FILTER = "PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp)"
PROJECT_FILTER = f"GAN Studio project (*{PROJECT_SUFFIX})"


def with_filter_suffix(path: Path, chosen_filter: str) -> Path:
    """A name typed without an extension gets the chosen filter's ("PNG (*.png)" → .png)."""
    if path.suffix:
        return path
    start = chosen_filter.find("*.")
    if start < 0:
        return path.with_suffix(".png")
    ext = chosen_filter[start + 1 :].split()[0].rstrip(");")
    return path.with_name(path.name + ext)


#: the version of the default dock arrangement: a layout saved by a build with another
#: default is not restored (Qt refuses it), so a user upgrading gets the new arrangement
#: (2: Jobs beside Training instead of a tab behind it) rather than the old one forever
DOCK_LAYOUT_VERSION = 2


class MainWindow(QMainWindow):
    def __init__(
        self, registry: Registry, safe_mode: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle("GAN Studio")
        self.setAcceptDrops(True)
        self.safe_mode = safe_mode
        self.registry = registry
        self.settings = paths.load_settings()
        data = paths.user_dirs().data
        self.store = JobStore(data / "jobs.sqlite")
        self.runner = JobRunner(self.store, self)
        self.cache = ModelCache(registry, str(self.settings.get("device", "auto")))
        self.document = Document()
        self.canvas = Canvas(self.document)
        self.setCentralWidget(self.canvas)
        self.models = ModelBrowser(registry)
        models_dir = self.settings.get("models_dir")
        if models_dir:
            self.models.extra.append(Path(models_dir))
            self.models.refresh()
        self.actions_panel = ActionPanel(registry)
        self.layers = LayersPanel(self.document)
        self.jobs = JobsPanel(self.runner)
        self.training = TrainingPanel(self.runner)
        self.controller = ActionController(
            self.runner, self.cache, self.actions_panel, self.canvas, self
        )
        self.docks: dict[str, QDockWidget] = {}
        left, right, bottom = (
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self._dock("Models", self.models, left)
        self._dock("Action", self.actions_panel, right)
        self._dock("Layers", self.layers, right)
        self._dock("Jobs", self.jobs, bottom)
        self._dock("Training", self.training, bottom)
        # side by side, so a running job's row is never a tab hidden behind the curves
        self.splitDockWidget(self.docks["Jobs"], self.docks["Training"], Qt.Orientation.Horizontal)
        # on a wide screen the side docks run the full height (as in Krita or Photoshop):
        # the action panel gets the room, the bottom docks sit between them
        screen = self.screen() or QApplication.primaryScreen()
        if screen is not None and screen.availableGeometry().width() >= 1200:
            self.setCorner(Qt.Corner.BottomLeftCorner, left)
            self.setCorner(Qt.Corner.BottomRightCorner, right)
        self.resizeDocks(
            [self.docks["Action"], self.docks["Layers"]], [640, 260], Qt.Orientation.Vertical
        )
        self.resizeDocks([self.docks["Jobs"]], [200], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.docks["Jobs"], self.docks["Training"]], [400, 560], Qt.Orientation.Horizontal
        )  # the curves and samples need the width
        self.resizeDocks(
            [self.docks["Models"], self.docks["Action"]], [240, 340], Qt.Orientation.Horizontal
        )
        self.job_status = JobStatusWidget(self.runner)
        self.job_status.open_jobs.connect(self.show_jobs)
        self.statusBar().addPermanentWidget(self.job_status)
        self.models.model_selected.connect(self.controller.set_model)
        self.importer = ModelImporter(self.runner, lambda: self.registry, self.models, self)
        self.layers.edit_again.connect(self.edit_again)
        self.controller.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self.face_picker = FacePicker(
            self.canvas, self.controller.image_input, self
        )  # a FaceParam's "Pick…" button
        self.actions_panel.face_pick_requested.connect(self.face_picker.start)
        # another action: the last one's live preview must not stay over the picture
        self.actions_panel.combo.currentIndexChanged.connect(self.canvas.clear_preview)
        self.face_picker.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.controller.model_written.connect(self._model_written)
        self.runner.job_finished.connect(self._job_finished)
        self.runner.job_event.connect(self._job_event)
        self.document.connect(self._document_changed)
        self._build_menus()
        self.tools = install_editor_tools(self)  # gui/tools: painting, masks, crop, compare …
        self.playback = install_playback(self)  # gui/playback: clips play as one layer
        install_voxel_viewer(self)  # opens when a voxel result arrives
        install_gan_lab(self)  # gui/lab: Tools → GAN lab
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave_now)
        self.set_autosave_minutes(int(self.settings.get("autosave_minutes", 3)))
        self.statusBar().showMessage(
            "Ready" + (" (safe mode: built-in plugins only)" if safe_mode else "")
        )
        self._shown_once = False
        self.resize(self._default_size())
        self._restore_state()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._shown_once:  # the viewport has its real size only now
            self._shown_once = True
            QTimer.singleShot(0, self.canvas.fit)

    # -- layout -------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    def _act(self, menu: Any, text: str, slot: Any, keys: Any = None) -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        K = QKeySequence.StandardKey
        bar = self.menuBar()
        f = bar.addMenu("&File")
        self.new_action = self._act(f, "&New", self.new_document, K.New)
        self._act(f, "&Open image…", self.open_image_dialog, K.Open)
        self._act(f, "Open &project…", self.open_project_dialog)
        self._act(f, "&Import model…", self.importer.choose)
        self.save_action = self._act(f, "&Save project", self.save_project, K.Save)
        self._act(f, "Save project &as…", self.save_project_as, K.SaveAs)
        f.addSeparator()
        self._act(f, "&Export image…", self.export_composite_dialog)
        self._act(f, "Export &layer…", self.export_layer_dialog)
        f.addSeparator()
        self._act(f, "&Quit", self.close, K.Quit)
        e = bar.addMenu("&Edit")
        self.undo_action = self._act(e, "&Undo", self.document_undo, K.Undo)
        self.redo_action = self._act(e, "&Redo", self.document_redo, K.Redo)
        e.addSeparator()
        self._act(e, "&Paste as layer", self.paste, K.Paste)
        self._act(e, "&Deselect", lambda: self.canvas.set_selection(None), K.Deselect)
        v = bar.addMenu("&View")
        self._act(v, "Zoom &in", lambda: self.canvas.set_zoom(self.canvas.zoom * 1.25), K.ZoomIn)
        self._act(v, "Zoom &out", lambda: self.canvas.set_zoom(self.canvas.zoom / 1.25), K.ZoomOut)
        self._act(v, "&Fit", self.canvas.fit, "Ctrl+0")
        self._act(v, "&Actual size", self.canvas.actual_size, "Ctrl+1")
        v.addSeparator()
        for dock in self.docks.values():
            v.addAction(dock.toggleViewAction())
        t = bar.addMenu("&Tools")
        self._act(t, "&Train…", self.open_train_dialog)
        self.batch_action = self._act(t, "&Batch…", self.open_batch_dialog)
        self._act(t, "&Plugins…", self.open_plugins_dialog)
        self._act(t, "&Settings…", self.open_settings_dialog, K.Preferences)
        self._update_title()

    def _document_changed(self, _event: object) -> None:
        self._update_title()
        # layers that carry a latent can feed LayerParams (style-mix sources, attributes …)
        active = self.document.active
        self.actions_panel.set_layers(
            [(layer.id, layer.name) for layer in self.document.layers if layer.latents],
            active.id if active is not None and active.latents else "",
        )

    def _update_title(self) -> None:
        name = self.document.path.name if self.document.path else "Untitled"
        self.setWindowTitle(f"{name}{' *' if self.document.dirty else ''} — GAN Studio")
        self.undo_action.setEnabled(self.document.can_undo)
        self.redo_action.setEnabled(self.document.can_redo)
        self.undo_action.setText(f"&Undo {self.document.undo_title}".strip())
        self.redo_action.setText(f"&Redo {self.document.redo_title}".strip())

    # -- settings and state -------------------------------------------------------
    def _restore_state(self) -> None:
        qs = QSettings()
        geometry = qs.value("window/geometry")
        state = qs.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state, DOCK_LAYOUT_VERSION)  # an older layout is ignored
        self.clamp_to_screen()

    def _default_size(self) -> QSize:
        """The first start: most of the screen, up to 1440×900."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return QSize(1280, 800)
        avail = screen.availableGeometry()
        return QSize(min(1440, int(avail.width() * 0.92)), min(900, int(avail.height() * 0.92)))

    def clamp_to_screen(self) -> None:
        """Keep the window inside the available screen: a geometry saved on a larger
        monitor (or grown past the screen) never comes back off-screen."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        avail = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w = max(0, frame.width() - self.width())
        extra_h = max(0, frame.height() - self.height())
        w = min(self.width(), avail.width() - extra_w)
        h = min(self.height(), avail.height() - extra_h)
        if (w, h) != (self.width(), self.height()):
            self.resize(max(w, 640), max(h, 480))
        frame = self.frameGeometry()
        x = min(max(frame.x(), avail.left()), avail.right() - frame.width() + 1)
        y = min(max(frame.y(), avail.top()), avail.bottom() - frame.height() + 1)
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)

    def save_state(self) -> None:
        qs = QSettings()
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/state", self.saveState(DOCK_LAYOUT_VERSION))
        qs.sync()

    def set_autosave_minutes(self, minutes: int) -> None:
        self.autosave_timer.stop()
        if minutes > 0:
            self.autosave_timer.start(minutes * 60_000)

    def ask(self, title: str, text: str) -> bool:
        """A yes/no question (tests replace this)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def ask_save(self, title: str, text: str) -> str:
        """Save / Discard / Cancel for unsaved work: "save", "discard" or "cancel"
        (tests replace this)."""
        B = QMessageBox.StandardButton
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, B.Save | B.Discard | B.Cancel, self
        )
        box.setInformativeText("Save the changes first?")
        box.setDefaultButton(B.Save)
        answer = box.exec()
        return {B.Save: "save", B.Discard: "discard"}.get(B(answer), "cancel")

    def confirm_discard(self, title: str) -> bool:
        """Before the document is replaced or the app quits: True when it may go
        (nothing unsaved, saved now, or the user chose Discard)."""
        if not (self.document.dirty and len(self.document)):
            return True
        name = self.document.path.name if self.document.path else "Untitled"
        answer = self.ask_save(title, f"“{name}” has unsaved changes.")
        if answer == "save":
            self.save_project()
            return not self.document.dirty  # the save dialog may have been cancelled
        return answer == "discard"

    def tell(self, title: str, text: str) -> None:
        self.statusBar().showMessage(f"{title}: {text}", 10_000)

    # -- start-up checks ----------------------------------------------------------
    def startup_checks(self) -> None:
        """After the window is up: offer crash recovery and to resume stored jobs."""
        data = paths.user_dirs().data
        recovery = find_recovery(data)
        if recovery is not None:
            if self.ask(
                "Recover work", "GAN Studio did not close cleanly. Recover the autosaved document?"
            ) and self.confirm_discard("Recover work"):
                try:  # the autosave is kept until the recovered document is saved
                    self.set_document(open_recovery(data))
                except ProjectError as exc:
                    self.tell("Recovery failed", str(exc))
            else:
                discard_recovery(data)
        for item in self.store.unfinished():
            self.store.mark(item["id"], JobStatus.CANCELLED)  # replaced by the resumed job
            if item["spec"].get("type") not in ("train", "batch") or not self.ask(
                "Resume job",
                f"“{item['title']}” was interrupted at {(item['fraction'] or 0):.0%}. Resume it?",
            ):
                continue
            try:
                self.runner.submit(resume_stored_job(self.registry, self.cache, item["spec"]))
            except ValueError as exc:
                self.store.report_bad(item["id"], item["title"], str(exc))
        if self.store.notices:  # a damaged or locked job list, or jobs dropped: say so once
            self.tell("Jobs", " ".join(self.store.notices))
            self.store.notices.clear()

    # -- documents ----------------------------------------------------------------
    def set_document(self, doc: Document) -> None:
        self.document = doc
        self.canvas.set_document(doc)
        self.layers.set_document(doc)
        doc.connect(self._document_changed)
        self._document_changed(None)

    def new_document(self) -> bool:
        if not self.confirm_discard("New document"):
            return False
        self.set_document(Document())
        return True

    def document_undo(self) -> None:
        self.document.undo()

    def document_redo(self) -> None:
        self.document.redo()

    def add_image(self, image: Image.Image, name: str) -> Layer:
        """A new top layer; the canvas grows to hold it (one undo step) and the
        view fits when the canvas changed."""
        doc = self.document
        first = not len(doc)
        before = doc.size
        with doc.group(f"Add {name}"):
            if first and doc.size != image.size:
                doc.execute(SetCanvasSize(doc, image.size))
            elif not first:
                grow_canvas(doc, image.size)
            layer = doc.add_layer(image, name)
        if first or doc.size != before:
            self.canvas.rebuild()
            self.canvas.fit()
        return layer

    def ask_open_into(self, name: str, default: str) -> str:
        """Opening an image into a document with layers: "new" document, "layer"
        (the canvas grows to hold it) or "cancel" (tests replace this)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Open image",
            f"Open “{name}” as a new document, or add it as a layer?",
            parent=self,
        )
        new = box.addButton("New document", QMessageBox.ButtonRole.AcceptRole)
        layer = box.addButton("Add as layer", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setInformativeText("As a layer, the canvas grows to hold the image.")
        box.setDefaultButton(layer if default == "layer" else new)
        box.exec()
        clicked = box.clickedButton()
        return "new" if clicked is new else "layer" if clicked is layer else "cancel"

    def open_image_into(self, image: Image.Image, name: str, into: str | None = None) -> bool:
        """An image into a document that has layers asks where it goes; the default
        is what the user chose last time (remembered in QSettings)."""
        if len(self.document):
            qs = QSettings()
            if into is None:
                into = self.ask_open_into(name, str(qs.value("open/into", "layer")))
            if into == "cancel":
                return False
            qs.setValue("open/into", into)
            if into == "new":
                if not self.confirm_discard("New document"):
                    return False
                self.set_document(Document())
        self.add_image(image, name)
        return True

    def open_path(self, path: Path, into: str | None = None) -> bool:
        """A project replaces the document; an image starts one, or into a document
        with layers goes where the user says (``into``: "new" / "layer", or ask)."""
        if path.suffix.lower() == PROJECT_SUFFIX:
            if not self.confirm_discard("Open project"):
                return False
            try:
                self.set_document(Document.load(path))
            except ProjectError as exc:
                self.tell("Cannot open", str(exc))
                return False
            return True
        try:  # the pixel limit and wording `run --input` and `info` use
            with open_image(path) as im:
                image = im.convert("RGBA")
        except DataError as exc:
            self.tell("Cannot open", safe_text(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - decoding failed past the header
            self.tell("Cannot open", safe_text(f"{path.name}: {describe_error(exc)}"))
            return False
        return self.open_image_into(image, path.stem, into)

    def open_image_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open image", "", IMAGE_FILTER)
        if name:
            self.open_path(Path(name))

    def open_project_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if name:
            self.open_path(Path(name))

    def save_project(self) -> None:
        if self.document.path is None:
            self.save_project_as()
        else:
            self.save_project_to(self.document.path)

    def save_project_as(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save project", "", PROJECT_FILTER)
        if name:
            path = Path(name)
            self.save_project_to(path if path.suffix else path.with_suffix(PROJECT_SUFFIX))

    def save_project_to(self, path: Path) -> None:
        self.document.save(path)
        self.document.path, self.document.dirty = path, False
        discard_recovery(paths.user_dirs().data)  # saved: an older autosave is not needed
        self._update_title()
        self.statusBar().showMessage(f"Saved {path.name}", 4000)

    def autosave_now(self) -> None:
        if len(self.document) and self.document.dirty:
            autosave(self.document, paths.user_dirs().data)

    def paste(self) -> None:
        image = QApplication.clipboard().image()
        if not image.isNull():  # pasting adds a layer (the canvas grows), as in GIMP/Krita
            self.add_image(qimage_to_pil(image), "Pasted")

    def export_composite(self, path: Path) -> Path:
        """The visible composite, with the provenance of the layers it is made of."""
        return save_image(path, self.document.composite(), export_provenance(self.document))

    def export_layer(self, path: Path, layer: Layer | None = None) -> Path:
        layer = layer or self.document.active
        if layer is None:
            raise ValueError("no layer to export")
        return save_image(path, layer.image, layer.provenance)

    def _export_name(self, title: str) -> Path | None:
        name, chosen = QFileDialog.getSaveFileName(self, title, "", EXPORT_FILTER)
        return with_filter_suffix(Path(name), chosen) if name else None

    @guarded
    def export_composite_dialog(self) -> None:
        if not len(self.document):
            self.tell("Export", "the document is empty")
            return
        path = self._export_name("Export image")
        if path is not None:
            self.export_composite(path)
            self.statusBar().showMessage(f"Exported {path.name}", 4000)

    @guarded
    def export_layer_dialog(self) -> None:
        if self.document.active is None:
            self.tell("Export", "no layer to export")
            return
        path = self._export_name("Export layer")
        if path is not None:
            self.export_layer(path)
            self.statusBar().showMessage(f"Exported {path.name}", 4000)

    # -- drag and drop ------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        into: str | None = None  # asked once per drop: the other files follow as layers
        for url in event.mimeData().urls():
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if is_model_file(path):  # .pkl/.pt/.pth/.safetensors: import, not open
                    self.importer.import_files([path])
                elif self.open_path(path, into) and len(self.document):
                    into = "layer"
        event.acceptProposedAction()

    # -- models, actions, jobs ----------------------------------------------------
    def select_model(self, path: Path) -> None:
        if not self.models.select(path):
            self.models.add_recent(path)

    def _model_written(self, path: Path) -> None:
        """A model the app wrote beside the picked one (a bundled demo's fitted copy)."""
        self.models.refresh()
        self.select_model(path)

    def edit_again(self, layer: Layer) -> None:
        self.controller.edit_again(layer, self.select_model)

    def _job_event(self, job: object, event: object) -> None:
        message = getattr(event, "message", "")
        if message and getattr(job, "kind", "") != "action":
            self.statusBar().showMessage(str(message), 4000)

    def _job_finished(self, job: Any) -> None:
        status = getattr(job, "status", None)
        if status == JobStatus.FAILED and getattr(job, "lane", "") == "background":
            show_error(self, f"{job.title} failed", job.error, self.runner.details.get(job.id, ""))
        if getattr(job, "kind", "") == "train" and status in (
            JobStatus.DONE,
            JobStatus.STOPPED,
            JobStatus.CANCELLED,
        ):
            out = Path(job.spec["out"])
            latest = out / "checkpoints" / "latest.safetensors"
            if latest.is_file():
                self.models.add_recent(latest)

    def show_jobs(self) -> None:
        """Open the Jobs dock and bring it to the front (the status bar's job button)."""
        dock = self.docks["Jobs"]
        dock.show()
        dock.raise_()

    def submit_training(self, spec: TrainSpec) -> None:
        self.runner.submit(train_job(self.registry, spec))
        self.docks["Training"].raise_()

    # -- dialogs ------------------------------------------------------------------
    def open_train_dialog(self) -> TrainDialog:
        dialog = TrainDialog(self.registry, self)
        dialog.accepted.connect(lambda: self.submit_training(dialog.result_spec))
        dialog.open()
        return dialog

    def open_plugins_dialog(self) -> PluginsDialog:
        dialog = PluginsDialog(self.registry, self.reload_plugins, self)
        dialog.open()
        return dialog

    def reload_plugins(self) -> Registry:
        self.registry = plugins.reload(self.safe_mode)
        plugins.set_registry(self.registry)
        self.cache.registry = self.registry
        self.models.set_registry(self.registry)
        self.actions_panel.registry = self.registry
        return self.registry

    def open_settings_dialog(self) -> SettingsDialog:
        dialog = SettingsDialog(self)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.values()))
        dialog.open()
        return dialog

    def apply_settings(self, values: dict[str, Any]) -> None:
        self.settings.update(values)
        self.set_autosave_minutes(int(values.get("autosave_minutes", 3)))
        device = str(values.get("device", "auto"))
        if device != self.cache.device:
            self.cache.device = device
            self.cache.clear()

    def open_batch_dialog(self) -> QWidget | None:
        try:
            from ganstudio.gui.dialogs.batch import BatchDialog
        except ImportError as exc:
            self.tell("Batch", f"not available in this build ({exc})")
            return None
        dialog = BatchDialog(self.registry, self.models.files, self.runner, self.cache, self)
        dialog.open()
        return dialog

    # -- closing ------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.confirm_discard("Quit"):
            event.ignore()
            return
        self.save_state()
        self.autosave_timer.stop()
        self.runner.shutdown()
        discard_recovery(paths.user_dirs().data)
        event.accept()
