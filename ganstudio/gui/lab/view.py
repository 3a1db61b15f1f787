"""Draws one LabFrame: D's decision surface, real and generated samples, G's gradient field."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ganstudio.core.toygan import LabFrame

#: D's score 0 (looks fake) → 1 (looks real): deep blue → pale → warm orange
_STOPS = np.array([[38, 52, 110], [92, 120, 182], [236, 236, 228], [238, 166, 92], [176, 72, 40]])
_RAMP = np.linspace(0, 1, len(_STOPS))
_LUT = np.stack(
    [np.interp(np.linspace(0, 1, 256), _RAMP, _STOPS[:, c]) for c in range(3)], axis=1
).astype(np.uint8)  # (256, 3)

REAL = QColor(20, 20, 20)
FAKE = QColor(0, 190, 150)
ARROW = QColor(255, 255, 255, 210)


def surface_image(surface: np.ndarray) -> QImage:
    """(R, C) values in [0, 1] → an RGB QImage through the colour ramp."""
    idx = np.clip(np.nan_to_num(surface) * 255, 0, 255).astype(np.uint8)
    rgb = np.ascontiguousarray(_LUT[idx])  # (R, C, 3)
    h, w = idx.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class LabView(QWidget):
    """A square plot of the toy plane (a strip with histograms for 1-D data)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame: LabFrame | None = None
        self._image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 240)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(420, 420)

    def show_frame(self, frame: LabFrame | None) -> None:
        if frame is self.frame:
            return
        self.frame = frame
        self._image = surface_image(frame.surface) if frame is not None else None
        self.update()

    def _plot_rect(self) -> QRectF:
        side = min(self.width(), self.height()) - 8
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), self.palette().window())
        rect = self._plot_rect()
        frame = self.frame
        if frame is None or self._image is None:
            p.setPen(self.palette().text().color())
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Press Start to train")
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(rect, self._image)
        e = frame.extent

        def to_px(x: float, y: float) -> QPointF:
            return QPointF(
                rect.left() + (x + e) / (2 * e) * rect.width(),
                rect.top() + (e - y) / (2 * e) * rect.height(),
            )

        p.setClipRect(rect)  # samples that stray outside the plane are not drawn over the controls
        if frame.real.shape[1] == 1:
            self._paint_1d(p, rect, frame, to_px)
        else:
            self._paint_2d(p, frame, to_px)
        p.setClipping(False)
        p.setPen(QPen(self.palette().mid().color(), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)

    def _paint_2d(self, p: QPainter, frame: LabFrame, to_px) -> None:  # type: ignore[no-untyped-def]
        self._paint_arrows(p, frame, to_px, frame.field_points, frame.field)
        p.setPen(Qt.PenStyle.NoPen)
        for colour, pts, r in ((REAL, frame.real, 1.6), (FAKE, frame.fake, 2.0)):
            p.setBrush(colour)
            for x, y in np.nan_to_num(pts[:, :2], posinf=1e6, neginf=-1e6):
                p.drawEllipse(to_px(float(x), float(y)), r, r)

    def _paint_1d(self, p: QPainter, rect: QRectF, frame: LabFrame, to_px) -> None:  # type: ignore[no-untyped-def]
        e, bins = frame.extent, 60
        edges = np.linspace(-e, e, bins + 1)
        top = rect.height() * 0.45
        hists = [np.histogram(np.nan_to_num(v[:, 0]), edges)[0] for v in (frame.real, frame.fake)]
        scale = top / max(1, max(int(h.max()) for h in hists))
        width = rect.width() / bins
        for colour, hist in zip((REAL, FAKE), hists, strict=True):
            pen = QPen(colour, 2)
            p.setPen(pen)
            p.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 70))
            for i, count in enumerate(hist):
                if count:
                    h = count * scale
                    p.drawRect(QRectF(rect.left() + i * width, rect.bottom() - h, width, h))
        pts = np.concatenate([frame.field_points, np.zeros_like(frame.field_points)], 1)
        push = np.concatenate([frame.field, np.zeros_like(frame.field)], 1)
        pts[:, 1] = e * 0.6  # the arrows run along a line in the upper part of the strip
        self._paint_arrows(p, frame, to_px, pts, push)

    def _paint_arrows(self, p: QPainter, frame: LabFrame, to_px, points, push) -> None:  # type: ignore[no-untyped-def]
        length = np.linalg.norm(push, axis=1)
        top = float(length.max()) if len(length) else 0.0
        if not math.isfinite(top) or top <= 0:
            return
        one_d = frame.real.shape[1] == 1
        n = len(points) if one_d else max(2, int(round(math.sqrt(len(points)))))
        cell = 2 * frame.extent / n
        p.setPen(QPen(ARROW, 2.0 if one_d else 1.3))
        for (x, y), (dx, dy), size in zip(points, push, length, strict=True):
            if size <= top * 0.02:
                continue
            k = 0.9 * cell / top  # the longest arrow spans most of a cell
            a, b = to_px(float(x), float(y)), to_px(float(x + dx * k), float(y + dy * k))
            p.drawLine(a, b)
            ang = math.atan2(b.y() - a.y(), b.x() - a.x())
            for side in (-0.45, 0.45):
                tip = QPointF(b.x() - 5 * math.cos(ang + side), b.y() - 5 * math.sin(ang + side))
                p.drawLine(b, tip)
