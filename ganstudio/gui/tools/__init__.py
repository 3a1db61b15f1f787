"""Editor tools: painting (brush, eraser, mask brush), masks and blend modes, crop and
canvas size, the before/after view, the seed browser and the command palette.

:func:`install_editor_tools` adds them all to a main window (one call, its
menus made here); :class:`EditorTools` is also the API other parts of the GUI
use — a plugin's panel asks for :meth:`EditorTools.sketch_layer` and follows
:attr:`EditorTools.stroke_updated` to keep a live preview in step with the pen.
"""

from __future__ import annotations

from typing import Any

from PIL import Image
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QBoxLayout,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
)

from ganstudio.core.document import Document, Layer
from ganstudio.core.paint import BLEND_MODES
from ganstudio.gui.tools.canvas_size import CanvasSizeDialog
from ganstudio.gui.tools.layer_style import LayerStyleBar
from ganstudio.gui.tools.options import ToolOptionsBar, step_size
from ganstudio.gui.tools.paint_tool import TOOL_NAMES, LayerArrays, PaintTool, ToolSettings

__all__ = ["EditorTools", "PaintTool", "ToolSettings", "install_editor_tools"]

SKETCH_ROLE = "sketch"


def _menu(window: QMainWindow, title: str, before: str | None = None) -> QMenu:
    """The menu bar's menu called ``title`` ("&Edit"), made (before ``before``) if missing."""
    bar = window.menuBar()
    plain = title.replace("&", "")
    for action in bar.actions():
        if action.menu() is not None and action.text().replace("&", "") == plain:
            return action.menu()  # type: ignore[return-value]
    menu = QMenu(title, bar)
    anchor = next(
        (
            a
            for a in bar.actions()
            if before and a.text().replace("&", "") == before.replace("&", "")
        ),
        None,
    )
    if anchor is not None:
        bar.insertMenu(anchor, menu)
    else:
        bar.addMenu(menu)
    return menu


def is_sketch_action(action: Any) -> bool:
    """An action drawn from a sketch: input kind "sketch", or an image action whose
    model must have the ``sketch`` capability (pix2pix's sketch-to-photo)."""
    if action is None:
        return False
    kind = getattr(action, "input_kind", "")
    return kind == SKETCH_ROLE or (
        kind == "image" and SKETCH_ROLE in getattr(action, "requires", ())
    )


class EditorTools(QObject):
    """Everything the editor tools add to one window; ``window.tools`` after install."""

    stroke_started = Signal(str)  # layer id
    stroke_updated = Signal(str, object)  # layer id, box in layer pixels
    stroke_finished = Signal(str, object)  # layer id, box or None (nothing changed)
    tool_changed = Signal(str)  # "select", "brush", "eraser", "mask"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window: Any = window
        self.canvas = window.canvas
        self.settings = ToolSettings(self)
        self.tools: dict[str, PaintTool] = {}
        arrays = LayerArrays()  # shared, so brush then eraser on a layer copies nothing
        for kind in TOOL_NAMES:
            tool = PaintTool(kind, self.canvas, self.settings, self, arrays)
            tool.stroke_started.connect(self.stroke_started)
            tool.stroke_updated.connect(self.stroke_updated)
            tool.stroke_finished.connect(self.stroke_finished)
            tool.message.connect(self._tell)
            self.tools[kind] = tool
        self.options = ToolOptionsBar(self.settings, window)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.options)
        self.options.group.triggered.connect(self._on_tool_action)
        self._build_actions()
        self.style_bar = LayerStyleBar(self.canvas.document, self.mask_actions)
        self._place_style_bar()
        self.canvas.document_changed.connect(self._document_changed)
        # hold backslash: key events no widget took (a slider, a dock) reach the window;
        # text fields keep theirs, the canvas handles its own
        window.installEventFilter(self)
        self.palette: Any = None
        self.seed_browser: Any = None
        # an action that draws from a sketch (input_kind "sketch", issue 13) gets the
        # sketch layer and the brush when chosen, and a preview after every stroke
        self.sketch_action: Any = None
        panel = getattr(window, "actions_panel", None)
        if panel is not None:
            panel.combo.currentIndexChanged.connect(
                lambda _i: self.follow_sketch_action(panel.current_action)
            )
            models = getattr(window, "models", None)
            if models is not None:  # a new model's list is filled with signals blocked
                models.model_selected.connect(
                    lambda _m: self.follow_sketch_action(panel.current_action)
                )
        self.stroke_finished.connect(self._sketch_stroke_done)
        # live sketching: every piece of a stroke asks for a preview (the interactive
        # lane keeps only the newest), drawn from the pixels with the stroke so far
        self.stroke_updated.connect(self._sketch_stroke_done)
        controller = getattr(window, "controller", None)
        if controller is not None:
            controller.layer_pixels = self._live_pixels

    # -- public API -----------------------------------------------------------------
    @property
    def document(self) -> Document:
        return self.canvas.document

    @property
    def current_tool(self) -> str:
        return self.options.current_tool

    def select_tool(self, kind: str) -> None:
        """ "select" (rectangular selection) or a painting tool: "brush", "eraser", "mask"."""
        self.options.tool_actions[kind].setChecked(True)
        self._apply_tool(kind)

    def active_paint_tool(self) -> PaintTool | None:
        return self.tools.get(self.current_tool)

    def sketch_layer(
        self, size: tuple[int, int] | None = None, select_brush: bool = True, name: str = "Sketch"
    ) -> Layer:
        """The document's sketch layer (made white on top when missing), made active with
        the brush ready: what a sketch-driven plugin asks for.  One undo step to add it."""
        doc = self.document
        index = doc.find_role(SKETCH_ROLE)
        if index < 0:
            image = Image.new("RGBA", size or doc.size, (255, 255, 255, 255))
            layer = doc.add_layer(image, name, role=SKETCH_ROLE)
            index = doc.index_of(layer.id)
            if len(doc) == 1:
                self.canvas.fit()
        doc.set_active(index)
        if select_brush:
            self.settings.update(
                color=(0, 0, 0), size=min(self.settings.brush.size, 6.0), hardness=1.0, opacity=1.0
            )
            self.select_tool("brush")
        return doc.layer(index)

    def follow_sketch_action(self, action: Any) -> bool:
        """Called when the Action panel's action changes: a sketch action gets the
        sketch layer and the brush; its preview is asked again after each stroke."""
        if not is_sketch_action(action):
            if self.sketch_action is not None:
                self.canvas.set_compare_split(False)
            self.sketch_action = None
            return False
        self.sketch_action = action
        self.sketch_layer()
        # the photo preview would hide the lines being drawn: split the view, the
        # sketch left of the divider and the photo right of it (hold \ for the sketch)
        self.canvas.set_compare_split(True)
        return True

    def _sketch_stroke_done(self, layer_id: str, box: object) -> None:
        panel = getattr(self.window, "actions_panel", None)
        action = self.sketch_action
        if action is None or box is None or panel is None or panel.current_action is not action:
            return
        index = self.document.find_role(SKETCH_ROLE)
        if index >= 0 and self.document.layer(index).id == layer_id:
            panel.preview_requested.emit(action, panel.values())

    def _live_pixels(self, layer: Layer) -> Image.Image:
        """What an action reads from ``layer``: its pixels with a stroke in progress."""
        return self.current_pixels(layer.id) or layer.image

    def current_pixels(self, layer_id: str) -> Image.Image | None:
        """A layer's pixels including a stroke still in progress (for live previews)."""
        tool = self.active_paint_tool()
        if (
            tool is not None
            and tool.stroke is not None
            and tool._layer_id == layer_id
            and tool.target == "image"
        ):
            return tool.current_image()
        try:
            return self.document.layer(self.document.index_of(layer_id)).image
        except KeyError:
            return None

    # -- actions and menus ----------------------------------------------------------
    def _act(
        self, menu: QMenu | None, text: str, slot: Any, keys: Any = None, name: str = ""
    ) -> QAction:
        action = QAction(text, self.window)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        if menu is not None:
            menu.addAction(action)
        else:
            self.window.addAction(action)  # a shortcut without a menu entry
        return action

    def _build_actions(self) -> None:
        w = self.window
        edit = _menu(w, "&Edit")
        edit.addSeparator()
        tools_menu = edit.addMenu("&Painting tools")
        for action in self.options.tool_actions.values():
            tools_menu.addAction(action)
        tools_menu.addSeparator()
        self._act(tools_menu, "Brush size &up", lambda: self.resize_brush(True), "]", "brushBigger")
        self._act(
            tools_menu, "Brush size &down", lambda: self.resize_brush(False), "[", "brushSmaller"
        )
        self._act(tools_menu, "&Swap mask hide/reveal", self.swap_mask_value, "X", "maskSwap")
        image = _menu(w, "&Image", before="&Tools")
        self.crop_action = self._act(
            image, "&Crop to selection", self.crop_to_selection, "Ctrl+Shift+X", "cropToSelection"
        )
        self._act(image, "Canvas &size…", self.canvas_size_dialog, "Ctrl+Alt+C", "canvasSize")
        layer_menu = _menu(w, "&Layer", before="&Tools")
        self._act(
            layer_menu, "New &sketch layer", lambda: self.sketch_layer(), None, "newSketchLayer"
        )
        layer_menu.addSeparator()
        self.mask_actions = [
            self._act(
                layer_menu, "Add &mask (reveal all)", lambda: self._mask_op("add"), None, "maskAdd"
            ),
            self._act(
                layer_menu, "Add mask (&hide all)", lambda: self._mask_op("hide"), None, "maskHide"
            ),
            self._act(layer_menu, "&Apply mask", lambda: self._mask_op("apply"), None, "maskApply"),
            self._act(
                layer_menu, "&Remove mask", lambda: self._mask_op("remove"), None, "maskRemove"
            ),
        ]
        blend_menu = layer_menu.addMenu("&Blend mode")
        self.blend_group = QActionGroup(self)
        for mode in BLEND_MODES:
            action = QAction(mode.capitalize(), self.window, checkable=True)
            action.setData(mode)
            action.triggered.connect(lambda _c=False, m=mode: self.set_blend(m))
            self.blend_group.addAction(action)
            blend_menu.addAction(action)
        blend_menu.aboutToShow.connect(self._sync_blend_menu)
        view = _menu(w, "&View")
        view.addSeparator()
        self.split_action = self._act(
            view, "&Before/after split", self.canvas.set_compare_split, "Ctrl+\\", "compareSplit"
        )
        self.split_action.setCheckable(True)
        self.split_action.setToolTip(
            "Drag the divider: left is before, right after; hold \\ to see before"
        )
        self._act(view, "Command &palette…", self.open_palette, "Ctrl+Shift+P", "commandPalette")
        tools = _menu(w, "&Tools")
        self._act(tools, "&Seed browser…", self.open_seed_browser, "Ctrl+Shift+B", "seedBrowser")

    def _place_style_bar(self) -> None:
        """Under the Layers panel's opacity row (or at its top), without editing the panel."""
        layers = getattr(self.window, "layers", None)
        layout = layers.layout() if layers is not None else None
        if isinstance(layout, QBoxLayout):
            layout.insertWidget(min(1, layout.count()), self.style_bar)
        else:
            self.options.addWidget(self.style_bar)

    # -- tools ----------------------------------------------------------------------
    def _on_tool_action(self, action: QAction) -> None:
        for kind, candidate in self.options.tool_actions.items():
            if candidate is action:
                self._apply_tool(kind)

    def _apply_tool(self, kind: str) -> None:
        self.canvas.set_tool(self.tools.get(kind))
        if kind != "select":
            self.canvas.setFocus()
        self.options.refresh()
        self.tool_changed.emit(kind)
        if kind == "mask":
            layer = self.document.active
            if layer is not None and layer.mask is None:
                self._tell("Mask brush: the first stroke adds a mask to the layer")

    def resize_brush(self, up: bool) -> None:
        self.settings.update(size=step_size(self.settings.brush.size, up))

    def swap_mask_value(self) -> None:
        self.settings.update(mask_value=0 if self.settings.mask_value else 255)

    # -- masks and blend modes ------------------------------------------------------
    def _mask_op(self, op: str) -> None:
        doc, index = self.document, self.document.active_index
        if index < 0:
            self._tell("Masks: select a layer first")
            return
        if op in ("add", "hide"):
            if doc.layer(index).mask is not None:
                self._tell("The layer has a mask already")
            doc.add_mask(index, reveal=op == "add")
        elif op == "apply":
            doc.apply_layer_mask(index)
        else:
            doc.remove_mask(index)

    def set_blend(self, mode: str) -> None:
        index = self.document.active_index
        if index >= 0:
            self.document.set_layer(index, blend=mode)

    def _sync_blend_menu(self) -> None:
        layer = self.document.active
        for action in self.blend_group.actions():
            action.setChecked(layer is not None and action.data() == layer.blend)
            action.setEnabled(layer is not None)

    # -- crop and canvas size -------------------------------------------------------
    def crop_to_selection(self) -> bool:
        sel = self.canvas.selection
        if sel is None or not len(self.document):
            self._tell("Crop: draw a selection first (the Select tool, M)")
            return False
        self.document.crop(sel)
        self.canvas.set_selection(None)
        self.canvas.fit()
        return True

    def canvas_size_dialog(self) -> CanvasSizeDialog:
        dialog = CanvasSizeDialog(self.document.size, self.window)
        dialog.accepted.connect(lambda: self.resize_canvas(*dialog.values()))
        dialog.open()
        return dialog

    def resize_canvas(self, width: int, height: int, anchor: str) -> None:
        self.document.resize_canvas(width, height, anchor)
        self.canvas.fit()

    # -- palette and seed browser ---------------------------------------------------
    def open_palette(self) -> Any:
        from ganstudio.gui.palette import CommandPalette

        if self.palette is None:
            self.palette = CommandPalette(self.window)
        self.palette.open_palette()
        return self.palette

    def open_seed_browser(self) -> Any:
        from ganstudio.gui.seed_browser import SeedBrowser

        if self.seed_browser is None:
            self.seed_browser = SeedBrowser(self.window)
        self.seed_browser.show()
        self.seed_browser.raise_()
        return self.seed_browser

    # -- events ---------------------------------------------------------------------
    def _document_changed(self, document: Document) -> None:
        self.style_bar.set_document(document)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Hold backslash: "before" in full, wherever the focus is but a text field.

        Cheap checks first: the filter also sees the window's last events while it
        is being destroyed, when asking the window anything would fail.
        """
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        if not isinstance(event, QKeyEvent) or event.key() != Qt.Key.Key_Backslash:
            return False
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier or event.isAutoRepeat():
            return False
        window: Any = self.window
        if watched is not window or not self.window.isActiveWindow():
            return False
        focus = QApplication.focusWidget()
        if isinstance(focus, (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)):
            return False
        self.canvas.set_compare_hold(kind == QEvent.Type.KeyPress)
        return True

    def _tell(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 6000)


def install_editor_tools(window: Any) -> EditorTools:
    """Add the editor tools to ``window`` (a MainWindow): the one call it makes."""
    return EditorTools(window)
