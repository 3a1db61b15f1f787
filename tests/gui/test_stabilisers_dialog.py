"""The training dialog lists the stabilisers a variant supports, each with its explanation."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from ganstudio.core.specs import STABILISERS
from ganstudio.gui.dialogs.train import TrainDialog


def pick(dialog: TrainDialog, variant: str) -> None:
    dialog.variant_combo.setCurrentIndex(dialog.variant_combo.findData(variant))


def explanations(dialog: TrainDialog) -> dict[str, str]:
    box = dialog.config_form.stabiliser_box
    assert box is not None
    return {
        label.objectName().removeprefix("explain_"): label.text()
        for label in box.findChildren(QLabel)
        if label.objectName().startswith("explain_")
    }


def test_dcgan_offers_every_stabiliser_with_the_seeds_explanation(qtbot, registry) -> None:
    dialog = TrainDialog(registry)
    qtbot.addWidget(dialog)
    pick(dialog, "dcgan")
    shown = explanations(dialog)
    assert list(shown) == list(STABILISERS)
    assert "singular value" in shown["spectral-norm"] and "m samples" in shown["pack"]
    assert "pack" in dialog.config_form.editors and "objective" in dialog.config_form.editors


def test_a_variant_lists_only_what_it_supports(qtbot, registry) -> None:
    dialog = TrainDialog(registry)
    qtbot.addWidget(dialog)
    pick(dialog, "cgan")
    shown = explanations(dialog)
    assert "pack" not in shown and "replay" not in shown and "unrolled" in shown
    assert "pack" not in dialog.config_form.editors


def test_a_switched_on_stabiliser_reaches_the_job(qtbot, registry) -> None:
    dialog = TrainDialog(registry)
    qtbot.addWidget(dialog)
    pick(dialog, "dcgan")
    dialog.config_form.set_value("pack", 4)
    dialog.config_form.set_value("spectral_norm", True)
    spec = dialog.spec()
    assert spec.config["pack"] == 4 and spec.config["spectral_norm"] is True
    dialog.config_form.set_value("replay", 1.5)  # out of range: said in the dialog
    dialog.accept()
    assert "replay" in dialog.error.text()
