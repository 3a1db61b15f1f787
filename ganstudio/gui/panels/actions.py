"""The action panel: pick an action of the current model, set its params, apply.

Interactive actions ask for a preview on every edit (``preview_requested``);
the job runner keeps only the newest.  Apply asks for a committed result.
The params scroll inside the dock (Apply stays in reach however many sliders
a model carries), and a long slider list gets a filter box.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.model_files import ModelFile
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Action, LayerParam
from ganstudio.gui.panels.params import ParamForm


class ActionPanel(QWidget):
    preview_requested = Signal(object, dict)  # Action, params
    apply_requested = Signal(object, dict)  # Action, params
    face_pick_requested = Signal(object)  # the ParamEditor of a FaceParam

    def __init__(self, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.model_file: ModelFile | None = None
        self.model: Any = None  # loaded model once the worker has it (for model-dependent params)
        self.action_specs: list[Action] = []
        self.form: ParamForm | None = None
        self.layer_choices: list[tuple[str, str]] = []  # (layer id, name) for LayerParams
        self.active_layer = ""  # id of the active layer when it carries a latent
        self._pending: tuple[str, dict[str, Any]] | None = None  # Edit again, model loading
        self.title = QLabel("No model selected")
        self.title.setObjectName("heading")
        self.hint = QLabel("Pick a model in the model browser.")
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        self.combo = QComboBox()
        self.combo.setObjectName("actionCombo")
        self.combo.currentIndexChanged.connect(self._rebuild_form)
        self.filter = QLineEdit()
        self.filter.setObjectName("paramFilter")
        self.filter.setPlaceholderText("Filter sliders…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.filter.hide()
        host = QWidget()
        self.form_host = QVBoxLayout(host)
        self.form_host.setContentsMargins(0, 0, 4, 0)
        self.form_host.addStretch(1)
        self.params_scroll = QScrollArea()
        self.params_scroll.setObjectName("paramScroll")
        self.params_scroll.setWidget(host)
        self.params_scroll.setWidgetResizable(True)
        self.params_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.params_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.live = QLabel("")
        self.live.setObjectName("muted")
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("primary")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self._apply)
        self.reset_button = QPushButton("Defaults")
        self.reset_button.clicked.connect(self._rebuild_form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addWidget(self.title)
        lay.addWidget(self.hint)
        lay.addWidget(self.combo)
        lay.addWidget(self.filter)
        lay.addWidget(self.params_scroll, 1)
        lay.addWidget(self.live)
        lay.addLayout(buttons)
        self.set_model(None)  # the model-less actions, until a model is picked

    # -- model and action ---------------------------------------------------------
    def set_model(self, model_file: ModelFile | None, model: Any = None) -> None:
        self.model_file, self.model = model_file, model
        self.combo.blockSignals(True)
        self.combo.clear()
        self.action_specs = []
        if model_file is not None:
            try:
                variant = self.registry.variant(model_file.variant)
                self.action_specs = self.registry.actions_for(
                    variant.capabilities, model_file.variant
                )
            except Exception as exc:  # noqa: BLE001 - an unknown variant is shown, not raised
                self.hint.setText(str(exc))
            self.title.setText(model_file.label)
        else:  # actions that need no model are offered without one too
            self.title.setText("No model selected")
            self.action_specs = self._modelless_actions()
        for a in self.action_specs:
            self.combo.addItem(a.name, a.id)
        self.combo.blockSignals(False)
        self._rebuild_form()

    def _modelless_actions(self) -> list[Action]:
        """Actions that require no model (one per id), runnable with none picked."""
        chosen: dict[str, Action] = {}
        for action in self.registry.specs("actions"):
            if not action.requires and action.output_kind != "model":
                chosen.setdefault(action.id, action)
        return list(chosen.values())

    def set_loaded_model(self, model: Any) -> None:
        """Model-dependent params can be built once the worker has loaded the model."""
        self.model = model
        action = self.current_action
        if action is None:
            return
        if callable(action.params):
            self._rebuild_form()
        elif self.form is not None and any(p.unavailable_if for p in action.params_for(model)):
            values = self.form.values()  # some params may not apply to this model: say so
            self._rebuild_form()
            if self.form is not None:
                self.form.set_values(values)

    @property
    def current_action(self) -> Action | None:
        i = self.combo.currentIndex()
        return self.action_specs[i] if 0 <= i < len(self.action_specs) else None

    def select_action(self, action_id: str) -> bool:
        i = self.combo.findData(action_id)
        if i >= 0:
            self.combo.setCurrentIndex(i)
        return i >= 0

    def _rebuild_form(self) -> None:
        if self.form is not None:
            self.form_host.removeWidget(self.form)
            self.form.hide()  # not painted over the new one until it is deleted
            self.form.deleteLater()
            self.form = None
        action = self.current_action
        self.apply_button.setEnabled(False)
        self.filter.hide()
        self.filter.clear()
        if action is None:
            if self.model_file is not None and not self.action_specs:
                self.hint.setText("This model offers no actions.")
            return
        self.hint.setText(action.description)
        if callable(action.params) and self.model is None:
            self.live.setText("Loading model…")
            return
        self.form = ParamForm(action.params_for(self.model), self.model)
        self.form.set_layers(self.layer_choices)
        self._default_source()
        self.form.changed.connect(self._changed)
        self.form.pick_requested.connect(self.face_pick_requested)
        self.form_host.insertWidget(0, self.form)
        self.filter.setVisible(self.form.groupable)
        self.apply_button.setEnabled(True)
        if self._pending is not None and self._pending[0] == action.id:
            self.form.set_values(self._pending[1])
            self._pending = None
        if action.input_kind == "image":
            self.live.setText("Applies to the selection, or the active layer.")
        else:
            self.live.setText("Live preview while you edit." if action.interactive else "")
        if not action.requires:
            self.live.setText((self.live.text() + " Uses no model.").strip())
        self._changed()

    def set_layers(self, layers: list[tuple[str, str]], active: str = "") -> None:
        """The document's layers that carry latents, offered by LayerParam pickers;
        ``active`` is the active layer's id when it is one of them."""
        self.layer_choices = list(layers)
        self.active_layer = active
        if self.form is not None:
            self.form.set_layers(self.layer_choices)

    def _default_source(self) -> None:
        """The first layer picker starts on the active layer's latent, so the first
        slider edits the face on the canvas, not another one from a seed."""
        if self.form is None or not self.active_layer:
            return
        editor = next(
            (e for e in self.form.editors.values() if isinstance(e.param, LayerParam)), None
        )
        if editor is not None:
            editor.set_value(self.active_layer)

    def _filter(self, text: str) -> None:
        if self.form is not None:
            self.form.set_filter(text)

    # -- values -------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return self.form.values() if self.form is not None else {}

    def restore(self, action_id: str, params: dict[str, Any]) -> bool:
        """Edit again: select the action and put every param back where it was."""
        if not self.select_action(action_id):
            return False
        if self.form is None:  # params depend on the model: restore once it has loaded
            self._pending = (action_id, dict(params))
            return True
        self.form.set_values(params)
        return True

    def _changed(self) -> None:
        action = self.current_action
        if action is not None and action.interactive and self.form is not None:
            self.preview_requested.emit(action, self.values())

    def _apply(self) -> None:
        action = self.current_action
        if action is not None:
            self.apply_requested.emit(action, self.values())
