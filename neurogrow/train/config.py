"""Training configuration: a TOML or YAML file, overridden by ``--set key=value``.

Every key is declared in a dataclass below; an unknown key or a value of the wrong
type is a :class:`~neurogrow.errors.ConfigError` that names the key.
"""
from __future__ import annotations

import dataclasses
import json
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from neurogrow.errors import ConfigError
from neurogrow.model.config import ModelConfig
from neurogrow.model.costs import CostConfig
from neurogrow.model.growth import GrowthConfig


@dataclass
class DataConfig:
    """Which images to train on.

    Attributes
    ----------
    dataset
        ``cifar10`` (JPEG tarball), ``cifar10-python`` (official tarball), ``fashion-mnist``
        or ``synthetic`` (a small generated task for tests).
    root
        Data root; empty means ``$NEUROGROW_DATA`` or ``../shared/data``.
    classes
        0 for all classes, k for the first k classes, or a list of class names.
    train_subset
        If > 0, train on this many training images only (a seeded random subset).
    test_subset
        If > 0, evaluate on this many test images only (a seeded random subset).
    max_shift
        Augmentation: random translation by up to this many pixels.
    flip
        Augmentation: random horizontal flips.
    synthetic_size
        Images per split of the synthetic task.
    """

    dataset: str = "cifar10"
    root: str = ""
    classes: int | list[str] = 0
    train_subset: int = 0
    test_subset: int = 0
    max_shift: int = 4
    flip: bool = True
    synthetic_size: int = 512


@dataclass
class OptimConfig:
    """SGD with Nesterov momentum and a one-cycle learning rate (linear up, linear down).

    Attributes
    ----------
    epochs
        Passes over the training images.
    batch_size
        Images per optimizer step.
    lr
        Peak learning rate of the one-cycle schedule.
    momentum
        Nesterov momentum of SGD.
    weight_decay
        L2 weight decay of SGD.
    label_smoothing
        Label smoothing of the cross-entropy (0: none).
    warmup_fraction
        Fraction of all steps spent raising the learning rate from lr/25 to lr.
    step_supervision
        Weight alpha of uniform supervision of every step: the per-step cross-entropy
        is weighted by ``(1 - alpha) pi_t + alpha / T``. With alpha = 0 steps that the
        halting distribution ignores get no training signal, and halting collapses
        onto one step; a floor keeps every step's readout trained.
    """

    epochs: int = 30
    batch_size: int = 256
    lr: float = 0.2
    momentum: float = 0.9
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    warmup_fraction: float = 0.2
    step_supervision: float = 0.3


@dataclass
class TrainConfig:
    """A full training run.

    Attributes
    ----------
    seed
        Seeds initialisation, data order, augmentation and growth.
    device
        ``auto`` (CUDA when present, CPU otherwise), ``cpu`` or ``cuda``.
    amp
        bfloat16 autocast on CUDA (ignored on the CPU).
    compile
        ``torch.compile`` the forward pass: ``""`` (off), ``"inductor"``, ``"cudagraphs"``
        (inductor with CUDA graphs) or a dynamo backend name; compiled once per window
        (see :mod:`neurogrow.train.step`). For GPUs, where the eager step is launch-bound.
    eval_every
        Evaluate on the test split every this many epochs (and after the last).
    eval_batch_size
        Batch size of evaluation.
    checkpoint_every_steps
        If > 0, also write the checkpoint every this many optimizer steps inside an
        epoch (with the epoch's data order and position), so a killed run loses at
        most that many steps; 0 checkpoints at epoch ends only. Resuming is exact
        either way, so this key may change between a run and its resumption.
    """

    seed: int = 0
    device: str = "auto"
    amp: bool = True
    compile: str = ""
    eval_every: int = 1
    eval_batch_size: int = 1000
    checkpoint_every_steps: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    costs: CostConfig = field(default_factory=CostConfig)
    growth: GrowthConfig = field(default_factory=GrowthConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)

    def to_dict(self) -> dict:
        """A JSON-serialisable nested dict."""
        return dataclasses.asdict(self)


#: Keys that may differ between a run and its resumption.
RESUMABLE_KEYS = {"device", "eval_batch_size", "checkpoint_every_steps", "compile"}


def _check_value(key: str, value: Any, hint: Any) -> Any:
    """Return ``value`` converted to the annotated type ``hint`` or raise ConfigError."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for option in typing.get_args(hint):
            try:
                return _check_value(key, value, option)
            except ConfigError:
                continue
        raise ConfigError(f"config key {key!r}: expected {hint}, got {type(value).__name__} {value!r}")
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"config key {key!r}: expected a list of {item.__name__}, got {value!r}")
        return [_check_value(f"{key}[{i}]", v, item) for i, v in enumerate(value)]
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"config key {key!r}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key {key!r}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config key {key!r}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"config key {key!r}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"config key {key!r}: unsupported type {hint}")


def _build(cls, values: dict, prefix: str):
    """Instantiate dataclass ``cls`` from a nested dict, checking keys and types."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in values.items():
        full = f"{prefix}{key}"
        if key not in fields:
            known = ", ".join(f"{prefix}{k}" for k in fields)
            raise ConfigError(f"unknown config key {full!r} (known keys: {known})")
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(f"config key {full!r} must be a table of keys, got {value!r}")
            kwargs[key] = _build(hint, value, f"{full}.")
        else:
            kwargs[key] = _check_value(full, value, hint)
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid config section {prefix.rstrip('.') or 'top level'}: {exc}") from exc


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parse ``a.b=value``; the value is read as a TOML literal, else as a plain string."""
    if "=" not in text:
        raise ConfigError(f"--set expects key=value, got {text!r}")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(f"--set expects key=value, got {text!r}")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key.split("."), value


def read_config_file(path: str | Path) -> dict:
    """Read a TOML (``.toml``) or YAML (``.yaml``/``.yml``) file into a dict."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    text = path.read_text()
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        else:
            raise ConfigError(f"config file {path}: expected a .toml, .yaml or .yml file")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        msg = str(exc).splitlines()[0]
        raise ConfigError(f"config file {path} is not valid {path.suffix[1:].upper()}: {msg}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: expected a mapping of keys at the top level")
    return data


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> TrainConfig:
    """Build a :class:`TrainConfig` from a file (optional) and ``key=value`` overrides."""
    data = read_config_file(path) if path else {}
    for text in overrides or []:
        keys, value = parse_override(text)
        node = data
        for k in keys[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {text!r}: {k!r} is not a section")
        node[keys[-1]] = value
    return config_from_dict(data)


def config_from_dict(data: dict) -> TrainConfig:
    """Build a :class:`TrainConfig` from a nested dict (as saved in a run directory)."""
    return _build(TrainConfig, data, "")


def config_differences(a: dict, b: dict, prefix: str = "") -> list[str]:
    """Keys whose values differ between two nested config dicts (ignoring RESUMABLE_KEYS)."""
    diffs = []
    for key in sorted(set(a) | set(b)):
        if not prefix and key in RESUMABLE_KEYS:
            continue
        va, vb = a.get(key), b.get(key)
        if isinstance(va, dict) and isinstance(vb, dict):
            diffs += config_differences(va, vb, f"{prefix}{key}.")
        elif json.dumps(va) != json.dumps(vb):
            diffs.append(f"{prefix}{key}")
    return diffs
