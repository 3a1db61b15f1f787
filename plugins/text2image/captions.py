"""Captions for procedural faces, written from their labels; the vocabulary; the tokenizer.

Deterministic: ``caption(values, variant)`` gives the same sentence for the same
labels and variant number, and different variants phrase it differently
("a smiling old man with glasses", "a portrait of an elderly happy man wearing
glasses on a blue background" …).  No torch: read at discovery for the
config's default vocabulary.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence

HAIR = ("black", "brown", "blonde", "red", "grey")
BACKGROUNDS = ("blue", "green", "yellow", "pink", "purple", "grey")
#: the label columns a caption reads (procedural:faces names them so)
COLUMNS = (
    "smile",
    "glasses",
    *(f"hair_colour={c}" for c in HAIR),
    "hair_length",
    "skin_tone",
    "age",
    "head_turn",
    *(f"background={c}" for c in BACKGROUNDS),
    "eye_open",
    "beard",
)

_SMILING = ("smiling", "happy", "cheerful")
_FROWNING = ("frowning", "sad", "grumpy")
_OLD = ("old", "elderly")
_YOUNG = ("young", "youthful")
_PERSON = ("person", "face")
_PREFIX = ("", "a photo of", "a portrait of", "a drawing of")
_GLASSES = ("with glasses", "wearing glasses")
_SHORT, _LONG = ("short",), ("long",)
_CLOSED = ("with closed eyes", "with sleepy eyes")
_LEFT = ("looking left", "facing left")
_RIGHT = ("looking right", "facing right")
_DARK = ("with dark skin",)
_LIGHT = ("with light skin", "with pale skin")
_BACKDROP = ("on a {} background", "against a {} background", "in front of a {} wall")
_GLUE = ("a", "an", "and", "with", "hair", "man", "bearded", "beard")


def tokenize(text: str) -> list[str]:
    """Lower-case words (letters of any script); punctuation, digits and hyphens separate them."""
    return re.findall(r"[^\W\d_]+", text.lower())


def _vocabulary() -> tuple[str, ...]:
    phrases: list[str] = [
        *_SMILING, *_FROWNING, *_OLD, *_YOUNG, *_PERSON, *_PREFIX, *_GLASSES, *_SHORT,
        *_LONG, *_CLOSED, *_LEFT, *_RIGHT, *_DARK, *_LIGHT, *_GLUE, *HAIR, *BACKGROUNDS,
        *(b.format("") for b in _BACKDROP),
    ]  # fmt: skip
    return tuple(sorted({w for p in phrases for w in tokenize(p)}))


#: every word a caption can use, sorted: the text encoder's vocabulary
VOCABULARY = _vocabulary()


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def caption(values: Mapping[str, float], variant: int = 0) -> str:
    """A sentence describing one face's labels; ``variant`` picks the phrasing."""
    rng = random.Random(variant)
    adjectives: list[str] = []
    smile, age = values.get("smile", 0.5), values.get("age", 0.2)
    if smile > 0.65:
        adjectives.append(rng.choice(_SMILING))
    elif smile < 0.3:
        adjectives.append(rng.choice(_FROWNING))
    if age > 0.6:
        adjectives.append(rng.choice(_OLD))
    elif age < 0.25:
        adjectives.append(rng.choice(_YOUNG))
    rng.shuffle(adjectives)
    beard = values.get("beard", 0) > 0.5
    clauses: list[str] = []
    if beard and rng.random() < 0.5:
        adjectives.append("bearded")
        noun = "man"
    else:
        noun = "man" if beard else rng.choice(_PERSON)
        if beard:
            clauses.append("with a beard")
    if values.get("glasses", 0) > 0.5:
        clauses.append(rng.choice(_GLASSES))
    hair = max(HAIR, key=lambda c: values.get(f"hair_colour={c}", 0.0))
    length = values.get("hair_length", 0.3)
    size = _SHORT[0] if length < 0.25 else _LONG[0] if length > 0.6 else ""
    clauses.append(f"with {size} {hair} hair".replace("  ", " "))
    if values.get("eye_open", 0.8) < 0.35:
        clauses.append(rng.choice(_CLOSED))
    tone = values.get("skin_tone", 0.3)
    if tone > 0.65:
        clauses.append(rng.choice(_DARK))
    elif tone < 0.15:
        clauses.append(rng.choice(_LIGHT))
    turn = values.get("head_turn", 0.0)
    if turn < -0.4:
        clauses.append(rng.choice(_LEFT))
    elif turn > 0.4:
        clauses.append(rng.choice(_RIGHT))
    rng.shuffle(clauses)
    clauses = clauses[: rng.randint(max(1, len(clauses) - 1), len(clauses))]  # some left out
    if len(clauses) > 1:
        clauses[-1] = "and " + clauses[-1].removeprefix("with ")
    head = " ".join([*adjectives, noun])
    words = [rng.choice(_PREFIX), _article(head), head, *clauses]
    background = max(BACKGROUNDS, key=lambda c: values.get(f"background={c}", 0.0))
    if rng.random() < 0.7:
        words.append(rng.choice(_BACKDROP).format(background))
    return " ".join(w for w in words if w)


def label_values(row: Sequence[float], label_names: Sequence[str]) -> dict[str, float]:
    """One labels row as {column: value}, for :func:`caption`."""
    return {name: float(v) for name, v in zip(label_names, row, strict=True)}
