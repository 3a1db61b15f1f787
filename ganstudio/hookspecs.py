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
raises disables its plugin and is reported at the plugin's own file and
line; it never stops the others.  A module-level function named
``ganstudio_*`` that is not one of the hooks below is an error too (a
misspelling would otherwise be silence).

A third-party plugin is first imported, and its hooks called, in a child
process with a time limit (``GANSTUDIO_PLUGIN_PROBE_TIMEOUT``, 20 s), once per
content of its files.  A plugin that hangs there, ends the process, raises a
``BaseException`` or leaves a non-daemon thread running is disabled with the
reason and never imported into the application.  So: no waiting, no threads
and no exits at import or in a hook.

What the hooks return is typed in :mod:`ganstudio.core.specs` and checked at
discovery (kinds, capabilities, config conventions); ``plugins/README.md`` is
the complete reference, and ``ganstudio plugins check PATH`` tries a plugin
the way the application will use it.
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
