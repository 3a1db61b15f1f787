"""GUI placement of photo edits: an edit of a projected layer lands over the face in the photo.

Drives the controller's own placement code with the real pipeline (the bundled
demo model, a few projection steps) and no window.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from ganstudio.core.actions import run_action
from ganstudio.core.document import Document
from ganstudio.core.models import load_model
from ganstudio.gui.controller import ActionController
from ganstudio.gui.tasks import ActionRequest

DEMO = Path(__file__).resolve().parents[1] / "resources/models/stylegan-faces-32.safetensors"


def test_an_attribute_edit_of_a_projected_layer_lands_over_the_photo(registry):
    if not DEMO.is_file():
        pytest.skip("no bundled demo model")
    from skimage import data

    model = load_model(DEMO, registry)
    doc = Document((300, 260))
    photo = Image.fromarray(data.astronaut()).resize((200, 200))
    doc.add_layer(photo, "photo", offset=(60, 40))
    project = registry.action_for("project", model.capabilities, model.variant_id)
    projected = run_action(project, model, {"steps": 3}, {"image": photo})
    assert projected.images[0].size == photo.size
    layer = doc.add_layer(
        projected.images[0], "projection", offset=(60, 40), latents=dict(projected.result.latents)
    )

    controller = SimpleNamespace(document=doc)
    latents = {layer.id: ActionController._source_latents(layer)}
    attributes = registry.action_for("attributes", model.capabilities, model.variant_id)
    request = ActionRequest(
        DEMO, attributes, {"source": layer.id, "smile": 2.0}, layer_latents=latents
    )
    edited = run_action(attributes, model, request.params, {}, resolve_layer=request.resolve_layer)
    assert edited.images[0].size == photo.size  # the photo's size, not the model's 32 px
    assert ActionController._origin(controller, request, edited) == (60, 40)
    # outside the face the edit shows the photo itself
    box = edited.provenance["photo"]["face_box"]
    left = np.asarray(edited.images[0].convert("RGB"))[:, : box[0]]
    assert left.size and np.array_equal(left, np.asarray(photo)[:, : box[0]])
    # and inside it, the edit starts from the photo's pixels, not the projection's
    direct = run_action(
        attributes,
        model,
        {"source": dict(projected.result.latents), "smile": 2.0},
        {"photo": photo},
    )
    assert np.array_equal(np.asarray(edited.images[0].convert("RGB")), np.asarray(direct.images[0]))
    # a generated result without a photo source keeps the request's origin
    generate = registry.action_for("generate", model.capabilities, model.variant_id)
    plain = run_action(generate, model, {})
    assert ActionController._origin(controller, request, plain) == request.origin


def test_apply_of_a_photo_edit_enlarges_the_face_with_an_installed_upscaler(registry, tmp_path):
    """The GUI's Apply goes through the same upscale step as `ganstudio run`; a slider
    preview does not (it must stay interactive)."""
    if not DEMO.is_file() or not (DEMO.parent / "sr-compact-x2.safetensors").is_file():
        pytest.skip("no bundled demo models")
    from skimage import data

    from ganstudio.core.jobs import drive
    from ganstudio.gui.tasks import action_job
    from ganstudio.services.models import ModelCache

    cache = ModelCache(registry, device="cpu")
    model = cache.get(DEMO)
    photo = Image.fromarray(data.astronaut()).resize((200, 200))
    project = registry.action_for("project", model.capabilities, model.variant_id)
    projected = run_action(project, model, {"steps": 3}, {"image": photo})
    attributes = registry.action_for("attributes", model.capabilities, model.variant_id)
    latents = {"p": {**projected.result.latents, "image": projected.images[0]}}

    def run(commit: bool) -> dict:
        request = ActionRequest(
            DEMO, attributes, {"source": "p", "smile": 1.0}, commit=commit, layer_latents=latents
        )
        job = action_job(cache, request)
        output = drive(job.work(job)).output  # a frozen ActionRun
        assert output.images[0].size == photo.size
        return output.provenance["photo"]

    applied = run(commit=True)
    assert applied["upscaled"]["model"] == "sr-compact-x2.safetensors"
    assert applied["upscaled"]["factor"] > 1
    assert "upscaled" not in run(commit=False)
