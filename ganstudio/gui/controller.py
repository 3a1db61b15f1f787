"""Glue between the action panel, the job runner and the document.

Previews go to the interactive lane (newest wins, at most one in flight) and every
finished preview newer than the one on screen is shown, so during a drag the
image follows the hand at the rate the model sustains; Apply commits a result as a
new layer with provenance in one undo step; "Edit again" restores the panel.
Image→image actions get the selection (or the active layer) as ``image``; a
result that upscales it (super-resolution) scales the canvas and the other
layers with it, in the same undo step.

Every request goes to ``ganstudio.services.actions`` (the path ``ganstudio run``
takes) and comes back as a frozen :class:`ActionRun`; a model-less action runs
with no model, whatever the model browser has picked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog

from ganstudio.core.document import Document, Layer, SetCanvasSize, clip_of
from ganstudio.core.jobs import BACKGROUND, INTERACTIVE, Job, JobStatus
from ganstudio.core.model_files import ModelFile
from ganstudio.core.specs import Action
from ganstudio.gui.canvas import Canvas
from ganstudio.gui.errors import show_error
from ganstudio.gui.panels.actions import ActionPanel
from ganstudio.gui.tasks import ActionRequest, ActionRun, ModelCache, action_job, load_job
from ganstudio.gui.workers import JobRunner


class ActionController(QObject):
    """Widget → job → canvas for the action panel.

    Slider previews of a large model are quick first: the request carries
    ``inputs["preview_resolution"]`` (an action that can, renders only up to that
    size and says so with ``info["preview_scale"]``), the canvas draws it at full
    size, and once no newer request has come (the slider rests) the same request
    runs again at full size.  A new slider move cancels that refinement between
    two of its steps.  The quick size adapts so one preview renders in about
    ``PREVIEW_BUDGET_MS`` on this machine.
    """

    message = Signal(str)
    committed = Signal(object)  # Layer
    #: a model file this controller wrote beside the picked one (Path): fitted
    #: directions of a bundled demo go into a copy in the user's models folder
    model_written = Signal(object)

    QUICK_ABOVE = 256  #: models larger than this (px) get quick previews first
    PREVIEW_START = 128  #: the first quick size; then it adapts between MIN and the model's
    PREVIEW_MIN = 32
    PREVIEW_BUDGET_MS = 700

    def __init__(
        self,
        runner: JobRunner,
        cache: ModelCache,
        panel: ActionPanel,
        canvas: Canvas,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.cache, self.panel, self.canvas = runner, cache, panel, canvas
        self.model_file: ModelFile | None = None
        self._seq = 0
        self._shown = 0  # request number of the preview on screen (newer ones replace it)
        self._jobs: dict[str, int] = {}  # job id -> request sequence number
        self._commits: set[str] = set()  # ids of Apply jobs: their failure is a dialog
        self._last_preview: tuple[int, ActionRun] | None = None
        self._quick_size: dict[Path, int] = {}  # model path -> quick preview size (px)
        self._refine: Job | None = None  # the full-size render after a quick preview
        panel.preview_requested.connect(self.preview)
        panel.apply_requested.connect(self.apply)
        runner.job_finished.connect(self._finished)
        runner.job_event.connect(self._live_preview)
        #: job id -> (origin, size) of its input: where its same-sized previews go
        self._live: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {}
        #: a layer's pixels as an action reads them (the editor tools include a stroke
        #: still in progress: live sketching, issue 13)
        self.layer_pixels: Callable[[Layer], Any] = lambda layer: layer.image

    @property
    def document(self) -> Document:
        return self.canvas.document

    # -- model --------------------------------------------------------------------
    def set_model(self, model_file: ModelFile) -> None:
        self.model_file = model_file
        self._last_preview = None
        self._shown = self._seq  # a preview still running for the old model is not shown
        self._cancel_refine()
        self.canvas.clear_preview()
        self.panel.set_model(model_file, self.cache.loaded(model_file.path))
        if self.cache.loaded(model_file.path) is None:
            self.message.emit(f"Loading {model_file.path.name}…")
            self.runner.submit(load_job(self.cache, model_file.path))

    # -- requests -----------------------------------------------------------------
    def _inputs(self, action: Action) -> tuple[dict[str, Any], tuple[int, int]] | None:
        if action.input_kind != "image":
            return {}, (0, 0)
        if action.takes_mask:  # inpainting: the active layer, its mask or the selection
            from ganstudio.core.masks import masked_inputs

            got = masked_inputs(self.document.active, self.canvas.selection)
            if got is None:
                self.message.emit(f"{action.name} needs an image: open one first")
            return got
        source = self.image_input()
        if source is None:
            self.message.emit(f"{action.name} needs an image: open one or select a region")
            return None
        return {"image": source[0]}, source[1]

    def image_input(self) -> tuple[Image.Image, tuple[int, int]] | None:
        """What an image action takes from the editor, and where it sits on the page:
        the selection's composite, else the active layer (as painted so far)."""
        doc, sel = self.document, self.canvas.selection
        if sel is not None and len(doc):
            return doc.composite(sel), (sel[0], sel[1])
        layer = doc.active
        if layer is None:
            return None
        return self.layer_pixels(layer), layer.offset

    def _request(
        self, action: Action, params: dict[str, Any], commit: bool
    ) -> ActionRequest | None:
        model_path = self.model_file.path if self.model_file is not None else None
        if action.requires and model_path is None:
            return None
        got = self._inputs(action)
        if got is None:
            return None
        inputs, origin = got
        latents = {
            layer.id: self._source_latents(layer) for layer in self.document.layers if layer.latents
        }
        layers = self.document.layer_snapshot() if commit and "image" in inputs else []
        return ActionRequest(
            model_path if action.requires or action.output_kind == "model" else None,
            action,
            dict(params),
            inputs,
            commit,
            origin,
            layer_latents=latents,
            layers=tuple(layers),
        )

    @staticmethod
    def _source_latents(layer: Layer) -> dict[str, Any]:
        """A layer's latents; a projected photo's also hand over its pixels, so an edit of
        it is blended back into the photo (ganstudio.core.photo)."""
        latents: dict[str, Any] = dict(layer.latents)
        if "photo_align" in latents:
            latents["image"] = layer.image
        return latents

    def _origin(self, request: ActionRequest, output: Any) -> tuple[int, int]:
        """Where a result goes: an edit blended into a projected photo goes over that
        photo's layer (it is the photo's size), anything else at the request's origin."""
        photo = output.provenance.get("photo")
        if photo:
            layer_id = (output.provenance.get("params") or {}).get(photo.get("source"))
            try:
                return self.document.layer(self.document.index_of(str(layer_id))).offset
            except (KeyError, ValueError, IndexError):
                pass
        return request.origin

    def _submit(self, request: ActionRequest, lane: str) -> Job:
        self._seq += 1
        job = action_job(self.cache, request, lane)
        self._jobs[job.id] = self._seq
        if request.commit:
            self._commits.add(job.id)
        if "image" in request.inputs:  # e.g. project: its previews are the photo's size
            self._live[job.id] = (request.origin, request.inputs["image"].size)
        return self.runner.submit(job)

    def preview(self, action: Action, params: dict[str, Any]) -> None:
        request = self._request(action, params, commit=False)
        if request is None:
            return
        self._cancel_refine()
        size = self._quick_preview_size()
        if size is not None and request.uses_model:
            request = request.with_inputs(preview_resolution=size)
        self._submit(request, INTERACTIVE)

    # -- quick previews and their refinement -------------------------------------
    def _model_resolution(self) -> int:
        config = (self.model_file.meta.get("config") if self.model_file else None) or {}
        try:
            return int(config.get("resolution") or 0)
        except (TypeError, ValueError):
            return 0

    def _quick_preview_size(self) -> int | None:
        resolution = self._model_resolution()
        if self.model_file is None or resolution <= self.QUICK_ABOVE:
            return None
        return self._quick_size.get(self.model_file.path, min(self.PREVIEW_START, resolution // 2))

    def _adapt_quick_size(self, request: ActionRequest, render_ms: Any) -> None:
        """Halve the quick size when a preview took longer than the budget, double it
        when it took under a quarter (never above half the model's size)."""
        size = int(request.inputs.get("preview_resolution") or 0)
        if not size or not isinstance(render_ms, (int, float)):
            return
        if render_ms > self.PREVIEW_BUDGET_MS and size > self.PREVIEW_MIN:
            size //= 2
        elif render_ms < self.PREVIEW_BUDGET_MS / 4 and size * 4 <= self._model_resolution():
            size *= 2
        if request.model_path is not None:
            self._quick_size[request.model_path] = size

    def _cancel_refine(self) -> None:
        job, self._refine = self._refine, None
        if job is not None and not job.status.finished:
            self.runner.cancel(job)

    def _refine_later(self, request: ActionRequest) -> None:
        self._refine = self._submit(request.without_input("preview_resolution"), INTERACTIVE)

    def apply(self, action: Action, params: dict[str, Any]) -> None:
        request = self._request(action, params, commit=True)
        if request is None:
            return
        if action.output_kind == "model":  # extends the model file; may need labelled data
            data = self.ask_data(action)
            if data is None:
                return
            self._submit(replace(request, data=data), BACKGROUND)
            return
        last = self._last_preview
        if (
            last is not None
            and last[0] == self._seq
            and last[1].request.action is action
            and last[1].request.params == request.params
            and last[1].request.origin == request.origin
            and not request.inputs
        ):
            self.commit(request, last[1].output)  # the preview on screen is exactly this result
            return
        self._submit(request, INTERACTIVE if action.interactive else BACKGROUND)

    def _live_preview(self, job: Job, event: Any) -> None:
        """A long image action's progress image (the projection over the face) on the
        canvas, in its input's place, while it runs."""
        live = self._live.get(job.id)
        preview = getattr(event, "preview", None)
        if live is not None and isinstance(preview, Image.Image) and preview.size == live[1]:
            self.canvas.show_preview(preview, live[0])

    def ask_data(self, action: Action) -> str | None:
        """The data an action that extends the model learns from ("" for none, None: cancel)."""
        text, ok = QInputDialog.getText(
            self.panel,
            action.name,
            "Labelled data (e.g. procedural:faces?count=3000, or a folder);\n"
            "leave empty for methods that need none (pca):",
            text="procedural:faces?count=3000",
        )
        return text.strip() if ok else None

    # -- results ------------------------------------------------------------------
    def _finished(self, job: Job) -> None:
        seq = self._jobs.pop(job.id, None)
        if self._live.pop(job.id, None) is not None and job.status != JobStatus.DONE:
            self.canvas.clear_preview()
        if job.kind == "load":
            current = self.model_file
            loaded = self.cache.loaded(current.path) if current is not None else None
            if job.status == JobStatus.DONE and current is not None and loaded is not None:
                self.panel.set_loaded_model(loaded)  # a load for another model changes nothing
                self.message.emit(f"{current.path.name} ready")
            elif job.status == JobStatus.FAILED:
                self.message.emit(f"Could not load the model: {job.error}")
                show_error(
                    self.panel.window(),
                    "Could not load the model",
                    job.error,
                    self.runner.details.get(job.id, ""),
                )
            return
        if seq is None:
            return
        applied = job.id in self._commits
        self._commits.discard(job.id)
        if job.status == JobStatus.FAILED:
            self.message.emit(f"{job.title} failed: {job.error}")
            if applied:  # a preview's failure stays in the status bar (a drag repeats it)
                show_error(
                    self.panel.window(),
                    f"{job.title} failed",
                    job.error,
                    self.runner.details.get(job.id, ""),
                )
            return
        if not job.status.has_result:
            return
        run: ActionRun = job.result
        request, output = run.request, run.output
        if run.stored is not None:
            self._stored(run)
            return
        if not output.images:  # nothing to show (a sketch action before any stroke …)
            if request.commit:
                self.message.emit(f"{request.action.name} returned no image")
            return
        if request.commit:
            self.commit(request, output, run.resampled, stopped=run.stopped)
        elif seq > self._shown:  # newer than the one on screen: a drag shows its way
            self._shown = seq
            self._show_preview(run)

    def _stored(self, run: ActionRun) -> None:
        """An action added to the model file (fitted directions): reload it, or select the
        copy written beside a bundled demo (the demo itself is never rewritten)."""
        request, stored = run.request, run.stored
        assert stored is not None
        names = sorted(k.split(".", 1)[-1] for k in run.output.result.tensors)
        if request.model_path is not None and stored != Path(request.model_path):
            self.message.emit(
                f"{Path(request.model_path).name} is a bundled demo and stays as it is: "
                f"saved {stored.name} with {', '.join(names)} in your models folder"
            )
            self.model_written.emit(stored)
            return
        self.message.emit(f"Stored {len(names)} in {stored.name}: {', '.join(names)}")
        if self.model_file is not None and self.model_file.path == request.model_path:
            self.set_model(self.model_file)  # reload: new sliders appear

    def _show_preview(self, run: ActionRun) -> None:
        request, output = run.request, run.output
        image = output.composite()
        scale = output.result.info.get("preview_scale")
        if scale:  # a quick preview: drawn at full size, refined while the slider rests
            self._adapt_quick_size(request, output.result.info.get("preview_ms"))
            full = (round(image.width * scale), round(image.height * scale))
            self.canvas.show_preview(image, request.origin, full)
            self._refine_later(request)
            return
        self._last_preview = (self._shown, run)
        footprint = request.inputs["image"].size if run.scale is not None else None
        doc = self.document
        refit = not len(doc) and doc.size != image.size
        if refit:  # an empty page takes the preview's size, as its first layer will
            doc.size = image.size
        self.canvas.show_preview(image, self._origin(request, output), footprint)
        if refit:
            self.canvas.fit()

    def commit(
        self,
        request: ActionRequest,
        output: Any,
        resampled: Any = None,
        *,
        stopped: bool = False,
    ) -> Layer:
        """Add ``output`` as a layer with its provenance, in one undo step; an upscaler's
        result grows the canvas and the other layers (``resampled`` by the job)."""
        prov = dict(output.provenance)
        if request.model_path is not None and prov.get("model"):  # "Edit again" finds it
            prov["model"] = {**prov["model"], "path": str(request.model_path)}
        latents = {k: np.asarray(v) for k, v in output.result.latents.items()}
        clip = clip_of(output)  # an animation: one playable layer (ganstudio.gui.playback)
        # several layers only for layout "layers"
        stack = (
            [(clip["frames"][0], request.action.name)]
            if clip
            else output.layers(request.action.name)
        )
        image, name = stack[-1]
        scale = request.upscale(image)
        origin = self._origin(request, output)
        first = not len(self.document)
        with self.document.group(f"Apply {request.action.name}"):
            if scale is not None:  # an upscaler: its result sets the new resolution
                self.document.scale(*scale, resampled=dict(resampled) if resampled else None)
                origin = (round(origin[0] * scale[0]), round(origin[1] * scale[1]))
            elif not len(self.document):  # the first result sizes the canvas to itself
                size = (origin[0] + image.width, origin[1] + image.height)
                if self.document.size != size:
                    self.document.execute(SetCanvasSize(self.document, size))
            for below, below_name in stack[:-1]:
                self.document.add_layer(below, below_name, offset=origin, provenance=prov)
            layer = self.document.add_layer(
                image, name, offset=origin, provenance=prov, latents=latents, **clip
            )
        self.canvas.clear_preview()
        self._last_preview = None
        if first:
            self.canvas.fit()
        self.committed.emit(layer)
        note = " (stopped early: its best result so far)" if stopped else ""
        if scale is not None:
            w, h = self.document.size
            note += f"; the canvas is now {w}×{h} (×{scale[0]:.3g})"
        self.message.emit(f"Applied {request.action.name}{note}")
        return layer

    # -- edit again ---------------------------------------------------------------
    def edit_again(self, layer: Layer, select_model: Any) -> bool:
        """Select the layer's model and put the panel back exactly as it was."""
        prov = layer.provenance or {}
        if "model" in prov and prov["model"] is None:  # a model-less action's layer
            return self.panel.restore(str(prov.get("action")), dict(prov.get("params") or {}))
        path = (prov.get("model") or {}).get("path")
        if not path or not Path(path).is_file():
            self.message.emit("The model that made this layer is not available")
            return False
        select_model(Path(path))
        return self.panel.restore(str(prov.get("action")), dict(prov.get("params") or {}))
