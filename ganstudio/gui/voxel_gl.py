"""The OpenGL path of the voxel viewer: the software renderer's picture, drawn by the GPU.

It renders offscreen (a ``QOffscreenSurface`` and a framebuffer object), so the
viewer's widget stays an ordinary one and the picture can be compared pixel by
pixel with :func:`ganstudio.core.voxels.render.render_mesh`: the same
orthographic camera, the same lights and colours (the shaders repeat its
formulas), the same pixel centres.  :func:`gl_renderer` returns None where
OpenGL cannot start (the offscreen platform, a machine without drivers), and
the viewer then keeps the software renderer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtGui import QOffscreenSurface, QOpenGLContext, QSurfaceFormat
from PySide6.QtOpenGL import (
    QOpenGLBuffer,
    QOpenGLFramebufferObject,
    QOpenGLFramebufferObjectFormat,
    QOpenGLShader,
    QOpenGLShaderProgram,
)

from ganstudio.core.voxels.mesh import Mesh
from ganstudio.core.voxels.render import _KEY, _PALETTE, FIT, Camera, view_rotation

__all__ = ["GLRenderer", "gl_renderer"]

_GL_DEPTH_TEST, _GL_CULL_FACE, _GL_BACK, _GL_CCW = 0x0B71, 0x0B44, 0x0405, 0x0901
_GL_COLOR_BUFFER_BIT, _GL_DEPTH_BUFFER_BIT, _GL_TRIANGLES, _GL_FLOAT = 0x4000, 0x100, 4, 0x1406
_GL_BLEND, _GL_MULTISAMPLE = 0x0BE2, 0x809D

_VERTEX = """
#version 120
attribute vec3 a_pos;
attribute vec3 a_normal;
uniform vec3 u_r0, u_r1, u_r2;  // rows of the view rotation
uniform float u_side, u_scale;
varying vec3 v_normal;
varying float v_height;
void main() {
    vec3 p = (a_pos - vec3(0.5 * u_side)) / u_side;
    vec3 c = vec3(dot(u_r0, p), dot(u_r1, p), dot(u_r2, p));
    gl_Position = vec4(c.x * u_scale, c.y * u_scale, -0.5 * c.z, 1.0);
    v_normal = a_normal;
    v_height = a_pos.z / u_side;
}
"""
_FRAGMENT = """
#version 120
varying vec3 v_normal;
varying float v_height;
uniform vec3 u_r0, u_r1, u_r2, u_key;
uniform vec3 u_p0, u_p1, u_p2, u_p3, u_p4;
uniform int u_mode;
void main() {
    vec3 n = normalize(v_normal);
    vec3 nc = vec3(dot(u_r0, n), dot(u_r1, n), dot(u_r2, n));
    float light = 0.28 + 0.5 * max(dot(nc, u_key), 0.0) + 0.32 * max(nc.z, 0.0);
    vec3 base;
    if (u_mode == 1) {
        base = n * 0.5 + 0.5;
    } else {
        float pos = clamp(v_height, 0.0, 1.0) * 4.0;
        float i = min(floor(pos), 3.0);
        float f = pos - i;
        vec3 lo = i < 0.5 ? u_p0 : i < 1.5 ? u_p1 : i < 2.5 ? u_p2 : u_p3;
        vec3 hi = i < 0.5 ? u_p1 : i < 1.5 ? u_p2 : i < 2.5 ? u_p3 : u_p4;
        base = mix(lo, hi, f);
    }
    gl_FragColor = vec4(clamp(base * light, 0.0, 1.0), 1.0);
}
"""


class GLRenderer:
    """Draws meshes into an offscreen framebuffer; one context for the viewer's lifetime."""

    def __init__(self, context: QOpenGLContext, surface: QOffscreenSurface) -> None:
        self.context, self.surface = context, surface
        self.context.makeCurrent(self.surface)
        self.program = QOpenGLShaderProgram()
        if not (
            self.program.addShaderFromSourceCode(QOpenGLShader.ShaderTypeBit.Vertex, _VERTEX)
            and self.program.addShaderFromSourceCode(
                QOpenGLShader.ShaderTypeBit.Fragment, _FRAGMENT
            )
            and self.program.link()
        ):
            raise RuntimeError(f"the viewer's shaders do not build: {self.program.log()}")
        self.buffer = QOpenGLBuffer(QOpenGLBuffer.Type.VertexBuffer)
        self.buffer.create()
        self.description = ""
        funcs = self.context.functions()
        vendor = funcs.glGetString(0x1F01)  # GL_RENDERER
        self.description = f"OpenGL ({vendor})" if vendor else "OpenGL"
        self.context.doneCurrent()

    def render(
        self,
        mesh: Mesh,
        side: float,
        camera: Camera | None = None,
        size: int = 256,
        colour: str = "height",
        background: tuple[int, int, int, int] = (0, 0, 0, 0),
    ) -> Image.Image:
        """What :func:`~ganstudio.core.voxels.render.render_mesh` draws, by OpenGL."""
        camera = camera or Camera()
        ctx = self.context
        ctx.makeCurrent(self.surface)
        try:
            fmt = QOpenGLFramebufferObjectFormat()
            fmt.setAttachment(QOpenGLFramebufferObject.Attachment.Depth)
            fbo = QOpenGLFramebufferObject(size, size, fmt)
            fbo.bind()
            f = ctx.functions()
            f.glViewport(0, 0, size, size)
            f.glDisable(_GL_BLEND)
            f.glDisable(_GL_MULTISAMPLE)
            f.glEnable(_GL_DEPTH_TEST)
            f.glEnable(_GL_CULL_FACE)
            f.glCullFace(_GL_BACK)
            f.glFrontFace(_GL_CCW)
            r, g, b, a = (c / 255.0 for c in background)
            f.glClearColor(r, g, b, a)
            f.glClear(_GL_COLOR_BUFFER_BIT | _GL_DEPTH_BUFFER_BIT)
            if len(mesh.faces):
                self._draw(f, mesh, side, camera, colour)
            image = fbo.toImage()
            fbo.release()
        finally:
            ctx.doneCurrent()
        rgba = image.convertToFormat(image.Format.Format_RGBA8888)  # kept alive while read
        rows = np.frombuffer(rgba.constBits(), np.uint8).reshape(size, rgba.bytesPerLine())
        return Image.fromarray(rows[:, : 4 * size].reshape(size, size, 4).copy(), "RGBA")

    def _draw(self, f: Any, mesh: Mesh, side: float, camera: Camera, colour: str) -> None:
        corners = mesh.faces.reshape(-1)
        data = np.concatenate([mesh.vertices[corners], mesh.normals[corners]], axis=1)
        data = np.ascontiguousarray(data, dtype=np.float32)  # (3F, 6): position, normal
        program, buf = self.program, self.buffer
        program.bind()
        buf.bind()
        buf.allocate(data.tobytes(), data.nbytes)
        for name, offset in (("a_pos", 0), ("a_normal", 12)):
            where = program.attributeLocation(name)
            program.enableAttributeArray(where)
            program.setAttributeBuffer(where, _GL_FLOAT, offset, 3, 24)
        rot = view_rotation(camera.yaw, camera.pitch)
        loc = program.uniformLocation

        def vec3(name: str, v: Any) -> None:
            program.setUniformValue(loc(name), float(v[0]), float(v[1]), float(v[2]))

        for i in range(3):
            vec3(f"u_r{i}", rot[i])
        vec3("u_key", _KEY)
        for i, rgb in enumerate(_PALETTE / 255.0):
            vec3(f"u_p{i}", rgb)
        program.setUniformValue1f(loc("u_side"), float(side))
        program.setUniformValue1f(loc("u_scale"), float(2.0 * FIT * camera.zoom))
        program.setUniformValue1i(loc("u_mode"), 1 if colour == "normal" else 0)
        f.glDrawArrays(_GL_TRIANGLES, 0, len(data))
        buf.release()
        program.release()


_CACHE: dict[str, Any] = {}


def gl_renderer() -> GLRenderer | None:
    """The shared OpenGL renderer, or None when OpenGL is not available here."""
    if "renderer" in _CACHE:
        return _CACHE["renderer"]
    renderer = None
    try:
        fmt = QSurfaceFormat()
        fmt.setDepthBufferSize(24)
        context = QOpenGLContext()
        context.setFormat(fmt)
        if context.create():
            surface = QOffscreenSurface()
            surface.setFormat(context.format())
            surface.create()
            if surface.isValid() and context.makeCurrent(surface):
                context.doneCurrent()
                renderer = GLRenderer(context, surface)
                _CACHE["objects"] = (context, surface)
    except Exception:  # noqa: BLE001 - no OpenGL here: the software renderer draws instead
        renderer = None
    _CACHE["renderer"] = renderer
    return renderer
