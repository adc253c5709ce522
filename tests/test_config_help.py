"""`neurogrow train --print-config`: every key, from the config dataclasses, as a valid config file."""
from __future__ import annotations

import dataclasses
import tomllib

from neurogrow.cli import main
from neurogrow.train.config import TrainConfig, config_from_dict, load_config
from neurogrow.train.config_help import config_keys, format_config


def _all_keys(cls=TrainConfig, prefix=""):
    import typing

    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            out += _all_keys(hints[f.name], f"{prefix}{f.name}.")
        else:
            out.append(prefix + f.name)
    return out


def test_every_key_has_type_default_and_its_own_meaning():
    keys = config_keys()
    assert [k.key for k in keys] == _all_keys()
    missing = [k.key for k in keys if not k.meaning]
    assert not missing, f"config keys without a docstring entry: {missing}"
    assert "data.train_subset" in {k.key for k in keys}
    by = {k.key: k for k in keys}
    assert by["optim.epochs"].type == "int" and by["optim.epochs"].default == TrainConfig().optim.epochs
    assert by["model.channels"].type == "list[int]"
    assert by["data.classes"].type == "int or list[str]"


def test_printed_config_is_a_valid_config_with_the_values(tmp_path, capsys):
    assert main(["train", "--print-config", "--set", "optim.epochs=2", "--set", "data.train_subset=500"]) == 0
    text = capsys.readouterr().out
    assert "epochs = 2  # int: Passes over the training images. (default 30)" in text
    parsed = tomllib.loads(text)
    cfg = config_from_dict(parsed)
    assert cfg.to_dict() == load_config(None, ["optim.epochs=2", "data.train_subset=500"]).to_dict()
    for key in _all_keys():
        assert f"\n{key.rpartition('.')[2]} = " in text


def test_default_config_round_trips():
    assert config_from_dict(tomllib.loads(format_config())).to_dict() == TrainConfig().to_dict()
