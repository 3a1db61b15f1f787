"""Playback of a playable layer (a clip from ``animate``): play/pause, a frame
scrubber, its speed, and export as GIF, animated WebP or an image strip.

The frames live on the layer in the Qt-free document (``Layer.frames``); this
bar only asks the document to show another frame (``Document.show_frame``,
view state, not an undo step) and follows the active layer.  Changing the
speed is a layer property, so it is undoable and saved with the project.
:func:`install_playback` adds it to a main window in one call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSlider,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from ganstudio.core.document import DocEvent, Document, Layer
from ganstudio.core.imaging import save_animation
from ganstudio.gui.errors import guarded

EXPORT_FILTER = "Animated GIF (*.gif);;Animated WebP (*.webp);;Image strip (*.png)"


class PlaybackBar(QWidget):
    """Plays the active layer when it is a clip; disabled (and says why) otherwise."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PlaybackBar")
        self.setToolTip("Plays the active layer when it is a clip (Animate)")
        self.document = document
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.advance)
        self.play_button = QToolButton()
        self.play_button.setText("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play or pause the clip (the active layer)")
        self.play_button.toggled.connect(self.set_playing)
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setToolTip("The frame shown")
        self.scrubber.valueChanged.connect(self.show_frame)
        self.frame_label = QLabel()
        self.fps = QSpinBox(minimum=1, maximum=60, suffix=" fps")
        self.fps.setToolTip("Playback speed: saved with the layer and used when exporting")
        self.fps.valueChanged.connect(self._fps_changed)
        self.export_button = QToolButton()
        self.export_button.setText("Export…")
        self.export_button.setToolTip("Save the clip as a GIF, an animated WebP or a PNG strip")
        self.export_button.clicked.connect(lambda: self.export_dialog())
        self.note = QLabel()
        self.note.setEnabled(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        for widget in (self.play_button, self.scrubber, self.frame_label, self.fps):
            row.addWidget(widget)
        row.addWidget(self.export_button)
        row.addWidget(self.note, 1)
        self.scrubber.setMinimumWidth(120)
        self.scrubber.setMaximumWidth(240)
        self._syncing = False
        document.connect(self._on_doc)
        self.refresh()

    # -- the layer it plays ---------------------------------------------------------
    def set_document(self, document: Document) -> None:
        self.document.disconnect(self._on_doc)
        self.document = document
        document.connect(self._on_doc)
        self.set_playing(False)
        self.refresh()

    @property
    def layer(self) -> Layer | None:
        """The active layer when it has frames."""
        layer = self.document.active
        return layer if layer is not None and layer.frames else None

    def _on_doc(self, event: DocEvent) -> None:
        if event.kind == "layer" and event.name == "frame":
            self._show_position()
        else:
            self.refresh()

    def refresh(self) -> None:
        """Widgets in step with the active layer."""
        layer = self.layer
        playable = layer is not None and layer.playable
        for widget in (self.play_button, self.scrubber, self.fps, self.export_button):
            widget.setEnabled(layer is not None)
        self.play_button.setEnabled(playable)
        self.scrubber.setEnabled(playable)
        if layer is None:
            self.set_playing(False)
            self.note.setText("")
            self.frame_label.setText("")
            return
        if not playable:
            self.set_playing(False)
        self.note.setText("" if playable else "edited: this layer no longer plays")
        self._syncing = True
        try:
            self.scrubber.setRange(0, len(layer.frames) - 1)
            self.fps.setValue(round(layer.fps))
        finally:
            self._syncing = False
        self.timer.setInterval(max(1, round(1000 / layer.fps)))
        self._show_position()

    def _show_position(self) -> None:
        layer = self.layer
        if layer is None:
            return
        self._syncing = True
        try:
            self.scrubber.setValue(layer.frame)
        finally:
            self._syncing = False
        self.frame_label.setText(f"{layer.frame + 1} / {len(layer.frames)}")

    # -- playing --------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def set_playing(self, on: bool) -> None:
        layer = self.layer
        on = bool(on and layer is not None and layer.playable)
        if on:
            self.timer.setInterval(max(1, round(1000 / layer.fps)))  # type: ignore[union-attr]
            self.timer.start()
        else:
            self.timer.stop()
        if self.play_button.isChecked() != on:
            self.play_button.setChecked(on)
        self.play_button.setText("Pause" if on else "Play")

    def advance(self) -> None:
        """The next frame (a timer tick), round and round."""
        layer = self.layer
        if layer is None or not self.show_frame(layer.frame + 1):
            self.set_playing(False)

    def show_frame(self, frame: int) -> bool:
        if self._syncing:
            return True
        index = self.document.active_index
        if self.layer is None or not self.document.show_frame(index, frame):
            self.refresh()
            return False
        return True

    def _fps_changed(self, value: int) -> None:
        if self._syncing or self.layer is None:
            return
        self.document.set_layer(self.document.active_index, fps=value)  # undoable

    # -- export ---------------------------------------------------------------------
    def export(self, path: Path, layer: Layer | None = None) -> Path:
        """The clip's frames at its speed: ``.gif``/``.webp`` animate, others tile a strip."""
        layer = layer or self.layer
        if layer is None:
            raise ValueError("the active layer is not a clip")
        return save_animation(path, layer.frames, layer.provenance, layer.fps)

    @guarded
    def export_dialog(self) -> None:
        if self.layer is None:
            return
        name, chosen = QFileDialog.getSaveFileName(self, "Export clip", "", EXPORT_FILTER)
        if not name:
            return
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(
                ".webp" if "WebP" in chosen else ".png" if "PNG" in chosen else ".gif"
            )
        self.export(path)
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(f"Exported {path.name}", 4000)


def _file_menu(window: Any) -> QMenu | None:
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == "File":
            return action.menu()  # type: ignore[no-any-return]
    return None


def install_playback(window: Any) -> PlaybackBar:
    """A "Playback" tool bar (beside the tool options) and File → Export clip…;
    follows the window's document."""
    toolbar = QToolBar("Playback", window)
    toolbar.setObjectName("toolbar_playback")
    bar = PlaybackBar(window.document, toolbar)
    toolbar.addWidget(bar)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    window.canvas.document_changed.connect(bar.set_document)
    menu = _file_menu(window)
    if menu is not None:
        action = menu.addAction("Export &clip…")
        action.triggered.connect(lambda: bar.export_dialog())
        anchor = next((a for a in menu.actions() if a.text() == "Export &layer…"), None)
        if anchor is not None:  # beside the other exports
            index = menu.actions().index(anchor)
            following = menu.actions()[index + 1]
            menu.removeAction(action)
            menu.insertAction(following, action)
    return bar
