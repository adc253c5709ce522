"""``neurogrow train --print-config``: every config key with its default, type and meaning.

Derived from the config dataclasses themselves (:class:`~neurogrow.train.config.TrainConfig` and
its sections): the keys and defaults from their fields, the types from their annotations, the
meanings from the ``Attributes`` sections of their docstrings. A key added to a dataclass without
a docstring entry fails ``tests/test_config_help.py``.
"""
from __future__ import annotations

import dataclasses
import inspect
import json
import re
import typing
from dataclasses import dataclass
from typing import Any

__all__ = ["ConfigKey", "config_keys", "format_config"]


@dataclass
class ConfigKey:
    """One key of the training config.

    Attributes
    ----------
    key
        Dotted name, e.g. ``optim.epochs`` (what ``--set`` takes).
    type
        Its type as written in TOML terms: ``int``, ``float``, ``bool``, ``str``, ``list[int]``...
    default
        The default value.
    value
        The value in the config being printed (the default without ``--config``/``--set``).
    meaning
        One line: the first sentence of its docstring entry.
    """

    key: str
    type: str
    default: Any
    value: Any
    meaning: str


def _type_name(hint) -> str:
    origin = typing.get_origin(hint)
    if origin is list:
        return f"list[{_type_name(typing.get_args(hint)[0])}]"
    if origin is not None and type(None) not in typing.get_args(hint):  # a union
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    return getattr(hint, "__name__", str(hint))


def _meanings(cls) -> dict[str, str]:
    """Field name -> description, from the numpydoc ``Attributes`` section of ``cls``'s docstring."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    m = re.search(r"^Attributes\n-+\n(.*?)(?:\n\S[^\n]*\n-+\n|\Z)", doc, re.S | re.M)
    if not m:
        return {}
    out: dict[str, str] = {}
    names: list[str] = []
    text: list[str] = []

    def flush() -> None:
        if names:
            sentence = " ".join(text).strip().replace("``", "")
            first = sentence if len(sentence) <= 160 else re.split(r"(?<=\.)\s", sentence, maxsplit=1)[0]
            for n in names:
                out[n] = first
    for line in m.group(1).splitlines():
        if line and not line.startswith(" "):
            flush()
            names, text = [n.strip() for n in line.split(",")], []
        elif line.strip():
            text.append(line.strip())
    flush()
    return out


def _walk(cls, value, prefix: str) -> list[ConfigKey]:
    hints = typing.get_type_hints(cls)
    meanings = _meanings(cls)
    default_obj = cls()
    keys = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        full = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(hint):
            keys += _walk(hint, getattr(value, f.name), f"{full}.")
            continue
        keys.append(
            ConfigKey(
                key=full,
                type=_type_name(hint),
                default=getattr(default_obj, f.name),
                value=getattr(value, f.name),
                meaning=meanings.get(f.name, ""),
            )
        )
    return keys


def config_keys(config=None) -> list[ConfigKey]:
    """Every key of the training config, in file order; ``config`` supplies the values (default: defaults)."""
    from neurogrow.train.config import TrainConfig

    return _walk(TrainConfig, config if config is not None else TrainConfig(), "")


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v)


def format_config(config=None) -> str:
    """The config as a commented TOML file: ``key = value  # type; meaning (default ...)``.

    The output is itself a valid config file: save it, edit it and pass it with ``--config``.
    """
    lines = [
        "# neurogrow training config: every key, its type and meaning (neurogrow train --print-config).",
        "# Set keys in a TOML/YAML file (--config FILE) or one by one (--set section.key=value).",
        "# docs/training.md has recipes: a 5-minute CPU run, the shipped model, a GPU run, resuming.",
    ]
    section = None
    for k in config_keys(config):
        sec, _, name = k.key.rpartition(".")
        if sec != section:
            section = sec
            lines.append("")
            if sec:
                lines.append(f"[{sec}]")
        note = "" if k.value == k.default else f" (default {_toml(k.default)})"
        lines.append(f"{name} = {_toml(k.value)}  # {k.type}: {k.meaning}{note}")
    return "\n".join(lines) + "\n"
