"""Text to image: captions, the vocabulary in the model file, training, the action."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ganstudio.cli import main
from ganstudio.core.specs import ParamError
from plugins.text2image.captions import COLUMNS, VOCABULARY, caption, tokenize

TINY = {"resolution": 16, "width": 8, "z_dim": 8, "word_dim": 8, "text_dim": 8, "cond_dim": 8}


def _values(**kw: float) -> dict[str, float]:
    base = {c: 0.0 for c in COLUMNS}
    base.update({"smile": 0.5, "age": 0.4, "hair_length": 0.4, "skin_tone": 0.3, "eye_open": 0.8})
    base.update({"hair_colour=brown": 1.0, "background=blue": 1.0})
    base.update(kw)
    return base


def test_captions_say_what_the_labels_say_with_varied_phrasing():
    face = _values(smile=0.9, age=0.9, glasses=1.0, beard=1.0)
    texts = {caption(face, v) for v in range(40)}
    assert caption(face, 3) == caption(face, 3)  # deterministic
    assert len(texts) > 10  # phrasing varies
    for text in texts:
        words = set(tokenize(text))
        assert words & {"smiling", "happy", "cheerful"} and words & {"old", "elderly"}
        assert "man" in words and not words & {"young", "frowning", "sad"}
        assert words <= set(VOCABULARY)
    plain = caption(_values(smile=0.1, age=0.1, **{"hair_colour=red": 2.0}), 0)
    assert {"red", "hair"} <= set(tokenize(plain)) and not {"glasses", "beard"} & set(
        tokenize(plain)
    )


def test_trains_and_resumes_and_the_model_file_carries_its_vocabulary(train_steps):
    from ganstudio.core import checkpoints

    run = train_steps("text2image", steps=2, overrides=TINY, resume_steps=1)
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3]
    assert {"loss_d", "loss_g", "kl", "text", "classes"} <= set(rows[-1])
    _, meta = checkpoints.load_model_file(run / "checkpoints" / "latest.safetensors")
    saved = meta["config"]["vocabulary"]
    assert tuple(saved) == VOCABULARY


def test_text_to_image_gives_count_images_and_the_same_seed_the_same_faces(run_action):
    params = {"prompt": "a smiling old man with glasses", "count": 3, "seed": 5}
    out = run_action("text-to-image", model="text2image", params=params)
    assert len(out.images) == 3 and out.images[0].size == (32, 32)
    again = run_action("text-to-image", model="text2image", params=params)
    assert np.array_equal(np.asarray(out.images[2]), np.asarray(again.images[2]))
    both = run_action("text-to-image", model="text2image", params={**params, "stages": True})
    assert len(both.images) == 6  # stage I next to stage II


def test_unknown_words_are_named_and_the_vocabulary_listed(run_action):
    with pytest.raises(ParamError) as err:
        run_action("text-to-image", model="text2image", params={"prompt": "a purple dragon"})
    message = str(err.value)
    assert "'dragon'" in message and "'purple'" not in message  # purple is a known colour
    assert ", ".join(VOCABULARY) in message


def test_cli_refuses_an_unknown_word_in_one_line_exit_2(train_steps, tmp_path, capsys):
    model = (
        train_steps("text2image", steps=1, overrides=TINY) / "checkpoints" / "latest.safetensors"
    )
    base = ["run", "text-to-image", "--model", str(model), "--no-progress", "--device", "cpu"]
    out = tmp_path / "faces.png"
    assert main([*base, "--param", "prompt=a young person with red hair", "-o", str(out)]) == 0
    assert out.is_file()
    capsys.readouterr()
    assert main([*base, "--param", "prompt=a cat wearing a hat", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'cat'" in err[0] and "'hat'" in err[0] and "smiling" in err[0]


def test_training_on_unlabelled_data_is_refused_with_the_reason():
    from plugins.text2image.routine import column_indices

    with pytest.raises(ValueError, match="procedural:faces"):
        column_indices(["smile", "age"])


def test_the_action_panel_has_a_prompt_box_with_a_caption_the_model_knows(action_panel):
    from PySide6.QtWidgets import QLineEdit

    panel = action_panel("text-to-image", model="text2image")
    prompt = panel.form.editors["prompt"]
    assert isinstance(prompt.editor, QLineEdit)
    prompt.editor.setText("a sad young person with red hair")
    assert panel.values()["prompt"] == "a sad young person with red hair"
    assert set(tokenize(prompt.editor.text())) <= set(VOCABULARY)


def test_a_model_file_with_a_damaged_vocabulary_is_refused_in_one_line(
    train_steps, tmp_path, capsys
):
    from ganstudio.core import checkpoints

    run = train_steps("text2image", steps=1, overrides=TINY)
    tensors, meta = checkpoints.load_model_file(run / "checkpoints" / "latest.safetensors")
    meta["config"]["vocabulary"] = ["a", "Smiling!", "man"]
    bad = checkpoints.save_model(tmp_path / "bad.safetensors", tensors, meta)
    args = ["run", "text-to-image", "--model", str(bad), "-o", str(tmp_path / "x.png")]
    assert main([*args, "--no-progress", "--device", "cpu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "vocabulary" in err[0]
