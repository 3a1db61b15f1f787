"""Autoencoders on faces: a convolutional AE, a VAE and a VAE-GAN.

Reconstruct and encode a face, walk between two encoded photos, remove noise,
and fill a region painted out with the mask brush (inpainting).  Discovery
imports only this file and config.py; torch loads on first use.
"""

from __future__ import annotations

from ganstudio.core.specs import (
    Action,
    BoolParam,
    ChoiceParam,
    FloatParam,
    IntParam,
    LayerParam,
    SeedParam,
    Variant,
)

from .config import AutoencoderConfig, VAEConfig, VAEGANConfig

GANSTUDIO_API = 1
__version__ = "1.0"

#: every autoencoder can encode and decode; the variational ones can also sample
_AE = frozenset({"x-autoencoder"})
_VARIATIONAL = frozenset({"x-autoencoder", "sample"})
_ALL = frozenset({"ae", "vae", "vae-gan"})


def _build(cfg: AutoencoderConfig):
    from .models import build_autoencoder

    return build_autoencoder(cfg, adversarial=isinstance(cfg, VAEGANConfig))


def _routine(models, config, objective, ctx):
    from .routine import AutoencoderRoutine

    return AutoencoderRoutine(models, config, objective, ctx)


def ganstudio_variants():
    return [
        Variant(
            "ae",
            "Convolutional autoencoder",
            AutoencoderConfig,
            _build,
            _routine,
            _AE,
            description="Encoder → latent → decoder, trained to rebuild faces from noisy "
            "or holed copies: reconstruct, encode, denoise and inpaint.",
        ),
        Variant(
            "vae",
            "Variational autoencoder",
            VAEConfig,
            _build,
            _routine,
            _VARIATIONAL,
            description="An autoencoder whose latent is a Gaussian (a KL term): it also "
            "draws new faces and interpolates smoothly between photos.",
        ),
        Variant(
            "vae-gan",
            "VAE-GAN",
            VAEGANConfig,
            _build,
            _routine,
            _VARIATIONAL,
            description="A VAE whose decoder is also a GAN generator, its reconstruction "
            "measured in the discriminator's features: sharper than the VAE.",
            accepts_objectives=True,
        ),
    ]


def _lazy(name: str):
    def run(model, params, inputs=None):
        from . import actions

        return getattr(actions, name)(model, params, inputs or {})

    run.__name__ = name
    return run


def ganstudio_actions():
    image_in = {"input_kind": "image", "requires": _AE, "variants": _ALL}
    return [
        Action(
            "reconstruct",
            "Reconstruct",
            _lazy("reconstruct"),
            params=(BoolParam("keep_size", True, help="scale back to the input's size"),),
            batchable=True,
            description="Encode and decode the image: what the autoencoder keeps of a face.",
            **image_in,
        ),
        Action(
            "encode",
            "Encode",
            _lazy("encode"),
            description="The image's latent code, kept with the new layer (its decoding): "
            "pick that layer in Morph photos or Generate (around), or save it with "
            "'ganstudio run encode … --latents z.npz'.",
            **image_in,
        ),
        Action(
            "morph-photos",
            "Morph photos",
            _lazy("morph_photos"),
            params=(
                LayerParam(
                    "to",
                    help="an encoded layer (or a .npz from 'encode --latents') to walk to; "
                    "empty: the average face",
                ),
                IntParam("frames", 8, min=2, max=120),
                ChoiceParam("layout", "strip", choices=("strip", "animation", "grid")),
            ),
            output_kind="images",
            description="Latent interpolation: walk from this image's code to another "
            "encoded photo's, a strip or a GIF of the faces in between.",
            **image_in,
        ),
        Action(
            "denoise",
            "Denoise",
            _lazy("denoise"),
            params=(FloatParam("strength", 1.0, min=0.0, max=1.0, help="1: the model's image"),),
            batchable=True,
            description="Remove noise: the model rebuilds the clean face (trained with "
            "corrupt=noise or both).",
            **image_in,
        ),
        Action(
            "inpaint",
            "Inpaint",
            _lazy("inpaint"),
            params=(IntParam("feather", 2, min=0, max=32, help="soft edge, in pixels"),),
            takes_mask=True,
            description="Fill the region painted out with the mask brush (or the selected "
            "rectangle; --mask on the command line); pixels outside it are kept.",
            **image_in,
        ),
        Action(
            "generate",
            "Generate",
            _lazy("generate"),
            params=(
                SeedParam("seed", 0),
                IntParam("count", 4, min=1, max=64),
                FloatParam("temperature", 1.0, min=0.0, max=2.0, help="spread around the centre"),
                LayerParam("around", help="an encoded layer: variations of that face"),
            ),
            requires=_VARIATIONAL,
            output_kind="images",
            variants=frozenset({"vae", "vae-gan"}),
            description="New faces from the prior, or variations around an encoded photo.",
        ),
    ]
