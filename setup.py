"""Package layout that ``pyproject.toml`` cannot express: two folders mapped under new names.

The built-in plugins stay in the top-level ``plugins/`` folder of the source
tree (discovered like any third-party plugin) and install as the namespaced
package ``ganstudio_plugins``; ``resources/`` (the bundled demo models and the
style sheet) installs as ``ganstudio/_resources``.  ``ganstudio.plugins`` and
``ganstudio.core.paths.resources_dir`` find both, in a checkout and installed.
Everything else is in ``pyproject.toml``.
"""

from setuptools import find_packages, setup

plugin_packages = ["ganstudio_plugins"] + [
    f"ganstudio_plugins.{name}" for name in find_packages("plugins")
]

setup(
    packages=find_packages(include=["ganstudio", "ganstudio.*"])
    + plugin_packages
    + ["ganstudio._resources"],
    package_dir={"ganstudio_plugins": "plugins", "ganstudio._resources": "resources"},
    package_data={
        "ganstudio": ["py.typed"],
        "ganstudio_plugins": ["README.md"],
        "ganstudio._resources": [
            "models/*.safetensors",
            "models/metrics/*.safetensors",
            "style/*.qss",
        ],
    },
)
