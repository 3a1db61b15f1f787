"""Settings of the two-stage text-to-image GAN (no torch: read at discovery)."""

from __future__ import annotations

from dataclasses import dataclass

from .captions import VOCABULARY


@dataclass
class TextToImageConfig:
    """StackGAN (Zhang et al. 2017) in small: a text encoder, conditioning
    augmentation, stage I at ``resolution / 2`` and stage II refining to ``resolution``.

    ``vocabulary`` is the text encoder's word list; it is saved in the model
    file's metadata with the rest of the config, so a model always knows the
    words it understands.  ``text_lr`` is the text encoder's learning rate;
    ``kl_weight`` weighs the conditioning augmentation's KL term, ``aux_weight``
    the text encoder's attribute loss (it learns to read the labels back out of
    the caption), ``mismatch_weight`` the matching-aware discriminator's
    real-image/wrong-caption term, ``class_weight`` the auxiliary attribute
    classifier on the stage-II critic (TAC-GAN) that makes G draw what the
    caption says.
    """

    resolution: int = 32
    channels: int = 3
    z_dim: int = 32
    word_dim: int = 32
    text_dim: int = 64
    cond_dim: int = 32
    width: int = 32
    max_words: int = 32
    lr: float = 2e-4
    text_lr: float = 1e-3
    beta1: float = 0.5
    kl_weight: float = 0.1
    aux_weight: float = 1.0
    mismatch_weight: float = 0.5
    class_weight: float = 1.0
    objective: str = "bce"
    vocabulary: tuple[str, ...] = VOCABULARY

    def __post_init__(self) -> None:
        self.vocabulary = tuple(self.vocabulary)

    def validate(self) -> None:
        r = self.resolution
        if r < 16 or r > 128 or r & (r - 1):
            raise ValueError(f"resolution must be a power of two in [16, 128], got {r}")
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels}")
        if min(self.z_dim, self.word_dim, self.text_dim, self.cond_dim, self.width) < 1:
            raise ValueError("z_dim, word_dim, text_dim, cond_dim and width must be positive")
        if not 1 <= self.max_words <= 256:
            raise ValueError("max_words must be in [1, 256]")
        vocab = self.vocabulary
        if not vocab or len(set(vocab)) != len(vocab) or len(vocab) > 100_000:
            raise ValueError("vocabulary must be a list of at most 100000 distinct words")
        if not all(isinstance(w, str) and w.isalpha() and w == w.lower() for w in vocab):
            raise ValueError("vocabulary words must be lower-case letters only")
        if (
            min(self.kl_weight, self.aux_weight, self.mismatch_weight, self.class_weight) < 0
            or min(self.lr, self.text_lr) <= 0
        ):
            raise ValueError("weights must be ≥ 0 and lr > 0")
