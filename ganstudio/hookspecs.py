"""The plugin contract: every hook GAN Studio calls, with what it must return.

pluggy project name ``ganstudio``; entry-point group ``ganstudio.plugins``.
A plugin module declares ``GANSTUDIO_API = 1`` and implements any of the
hooks below, either marked with :data:`hookimpl` or simply named
``ganstudio_*`` at module level.  Hooks are called with keyword arguments
only and take none today; a later contract version may add arguments, which
implementations are free not to accept.

Every hook is called once per plugin at discovery time, while the window is
coming up, so it must be *cheap*: return specs whose callables import model
code (torch and the like) on first use, never at import time.  A hook that
raises disables its plugin and is reported; it never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from ganstudio.core.specs import Action, DatasetSource, Importer, Objective, Variant

PROJECT_NAME = "ganstudio"
ENTRY_POINT_GROUP = "ganstudio.plugins"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def ganstudio_variants() -> Iterable[Variant]:
    """GAN variants: config dataclass, model builder, training routine, capabilities.

    Called once at discovery.  Must not import torch.
    """
    return ()


@hookspec
def ganstudio_actions() -> Iterable[Action]:
    """Editor actions: typed params, input/output kinds, required capabilities, ``run``.

    Called once at discovery.  Must not import torch.
    """
    return ()


@hookspec
def ganstudio_objectives() -> Iterable[Objective]:
    """Loss families (non-saturating BCE, LSGAN, WGAN-GP, hinge …) and regularisers.

    Called once at discovery.  Must not import torch.
    """
    return ()


@hookspec
def ganstudio_datasets() -> Iterable[DatasetSource]:
    """Sources of training data (image folder, paired folder, procedural set …).

    Called once at discovery.  Must not import torch.
    """
    return ()


@hookspec
def ganstudio_importers() -> Iterable[Importer]:
    """Readers for foreign checkpoint formats (``.pth``/``.pt`` state dicts …).

    Called once at discovery.  Must not import torch.
    """
    return ()
