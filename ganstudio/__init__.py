"""GAN Studio: a desktop image editor whose generative tools are GAN plugins."""

__version__ = "0.1.0"
