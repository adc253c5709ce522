"""Training configuration: a TOML or YAML file, overridden by ``--set key=value``.

Every key is declared in a dataclass below; an unknown key or a value of the wrong
type is a :class:`~neurogrow.errors.ConfigError` that names the key.
"""
from __future__ import annotations

import dataclasses
import math
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
from neurogrow.train.config_diff import (  # noqa: F401  (their home was this module)
    LEGACY_VALUES,
    RESUMABLE_KEYS,
    config_differences,
    with_legacy_values,
)


@dataclass
class DataConfig:
    """Which images to train on.

    Attributes
    ----------
    dataset
        ``cifar10`` (JPEG tarball), ``cifar10-python`` (official tarball), ``fashion-mnist``,
        ``folder`` (your own images in ``root``: ``root/train/<class>/<image>`` and
        ``root/test/<class>/<image>``, or ``root/<class>/<image>``; docs/training.md) or
        ``synthetic`` (a small generated task for tests).
    root
        Data root; empty means ``$NEUROGROW_DATA``, else the platform cache folder (CIFAR-10 is downloaded there;
        ``folder``: the folder, required).
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
    image_size
        ``folder`` only: every image is resized, whole, to this many pixels square (bilinear).
    channels
        ``folder`` only: 3 (RGB) or 1 (greyscale); images are converted as ``neurogrow extract`` does.
    test_fraction
        ``folder`` in one ``root/<class>/`` folder only: the fraction of each class held out for testing.
    split_seed
        ``folder`` in one ``root/<class>/`` folder only: seeds which images are held out (not ``seed``,
        so runs of several seeds share one test split).
    """

    dataset: str = "cifar10"
    root: str = ""
    classes: int | list[str] = 0
    train_subset: int = 0
    test_subset: int = 0
    max_shift: int = 4
    flip: bool = True
    synthetic_size: int = 512
    image_size: int = 32
    channels: int = 3
    test_fraction: float = 0.2
    split_seed: int = 0


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
    """Build a :class:`TrainConfig` from a nested dict (as saved in a run directory); values are
    checked by :func:`check_config`."""
    return check_config(_build(TrainConfig, data, ""))


def _in(lo=None, hi=None, lo_open=False, hi_open=False):
    def test(v) -> bool:
        if lo is not None and (v <= lo if lo_open else v < lo):
            return False
        return not (hi is not None and (v >= hi if hi_open else v > hi))

    text = " and ".join(
        t
        for t in (
            None if lo is None else f"{'>' if lo_open else '>='} {lo:g}",
            None if hi is None else f"{'<' if hi_open else '<='} {hi:g}",
        )
        if t
    )
    return test, text


#: The allowed range of every numeric config value (types are checked by :func:`_check_value`).
RANGES: dict[str, tuple] = {
    "seed": _in(0, 2**32 - 2),  # the seed and seed + 1 seed 32-bit generators
    "eval_every": _in(1),
    "eval_batch_size": _in(1),
    "data.train_subset": _in(0),
    "data.test_subset": _in(0),
    "data.max_shift": _in(0),
    "data.synthetic_size": _in(2),
    "data.image_size": _in(1),
    "data.test_fraction": _in(0, 1, lo_open=True, hi_open=True),
    "data.split_seed": _in(0, 2**32 - 1),
    "model.in_channels": _in(1),
    "model.num_classes": _in(2),
    "model.image_size": _in(1),
    "model.max_channels": _in(1),
    "model.max_layers": _in(1),
    "model.max_steps": _in(1),
    "model.kernel_size": _in(1),
    "model.min_resolution": _in(1),
    "costs.breadth_price": _in(0),
    "costs.depth_price": _in(0),
    "costs.time_price": _in(0),
    "costs.rank_slope": _in(0),
    "growth.every_epochs": _in(1),
    "growth.every_steps": _in(0),
    "growth.until_fraction": _in(0, 1),
    "growth.grow_threshold": _in(0),
    "growth.grow_fraction": _in(0, lo_open=True),
    "growth.dead_threshold": _in(0),
    "growth.depth_grow_threshold": _in(0),
    "growth.time_grow_threshold": _in(0, 1),
    "growth.time_prune_threshold": _in(0, 1),
    "optim.epochs": _in(1),
    "optim.batch_size": _in(1),
    "optim.lr": _in(0, lo_open=True),
    "optim.momentum": _in(0, 1, hi_open=True),
    "optim.weight_decay": _in(0),
    "optim.label_smoothing": _in(0, 1, hi_open=True),
    "optim.warmup_fraction": _in(0, 1),
    "optim.step_supervision": _in(0, 1),
}
DEVICES = ("auto", "cpu", "cuda")


def _walk(obj, prefix: str = ""):
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if dataclasses.is_dataclass(v):
            yield from _walk(v, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", v


def check_config(config: TrainConfig) -> TrainConfig:
    """Check every value of ``config`` for its range (:data:`RANGES`), finiteness and allowed names.

    Raises :class:`ConfigError` naming the first bad key, its value and what was expected; runs
    before anything is written or loaded.
    """
    from neurogrow.data import DATASET_NAMES

    for key, value in _walk(config):
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, float) and not math.isfinite(v):
                raise ConfigError(f"config key {key!r}: {v!r}; expected a finite number")
        if key in RANGES and not isinstance(value, list):
            test, text = RANGES[key]
            if not test(value):
                raise ConfigError(f"config key {key!r}: {value!r} is out of range; expected a value {text}")
    if config.device not in DEVICES:
        raise ConfigError(f"config key 'device': {config.device!r}; expected one of {', '.join(DEVICES)}")
    d = config.data
    if d.dataset not in (*DATASET_NAMES, "synthetic"):
        raise ConfigError(f"config key 'data.dataset': {d.dataset!r}; expected one of {', '.join((*DATASET_NAMES, 'synthetic'))}")
    if d.channels not in (1, 3):
        raise ConfigError(f"config key 'data.channels': {d.channels}; expected 1 (greyscale) or 3 (RGB)")
    if d.dataset == "folder" and not d.root:
        raise ConfigError("config key 'data.root' is empty; data.dataset = 'folder' needs the folder of your images (data.root=DIR)")
    if isinstance(d.classes, int) and (d.classes < 0 or d.classes == 1):
        raise ConfigError(f"config key 'data.classes': {d.classes}; expected 0 (all classes) or a number of classes >= 2")
    if isinstance(d.classes, list) and (len(d.classes) < 2 or len(set(d.classes)) != len(d.classes)):
        raise ConfigError(f"config key 'data.classes': {d.classes}; expected at least 2 distinct class names")
    g = config.growth
    if g.time_prune_threshold > g.time_grow_threshold:
        raise ConfigError(
            f"config keys 'growth.time_prune_threshold' ({g.time_prune_threshold}) > 'growth.time_grow_threshold' "
            f"({g.time_grow_threshold}); expected prune <= grow"
        )
    return config
