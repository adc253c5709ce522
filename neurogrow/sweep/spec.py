"""Sweep files: a base config, fixed overrides, a grid of overrides and seeds, expanded into runs.

A sweep file (TOML or YAML) holds::

    name = "time-price"                   # optional; defaults to the file's stem
    config = "../configs/base.toml"       # optional base training config, relative to this file
    seeds = [0, 1, 2]                     # optional; one run per seed of every grid point

    [fixed]                               # overrides applied to every run
    "optim.epochs" = 30

    [grid]                                # one run per combination of values
    "costs.time_price" = [0.0, 0.01, 0.03]
    "model.time_mode" = ["adaptive", "fixed"]

    [slurm]                               # optional defaults of ``--executor slurm``
    partition = "gpu"

Keys are dotted config keys, written quoted (``"optim.epochs"``) or as nested
tables (``[fixed.optim] epochs = 30``). Every run's configuration is built and
checked when the file is read, so a wrong key fails before anything trains.

A run's id is a readable slug of its grid values and seed plus a short hash of
all its overrides (with values as the configuration reads them, so ``0`` and
``0.0`` of a float key are the same run): the same overrides always give the
same id, which is what makes a sweep resumable and extendable.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neurogrow.errors import ConfigError
from neurogrow.train.config import TrainConfig, config_from_dict, read_config_file

#: Top-level keys of a sweep file.
SWEEP_KEYS = ("name", "config", "seeds", "fixed", "grid", "slurm")
#: Folder of a sweep's output directory that holds one directory per run.
RUNS_DIR = "runs"
_SLUG_MAX = 80


@dataclass(frozen=True)
class Run:
    """One training run of a sweep.

    Attributes
    ----------
    id
        Stable run id, e.g. ``time_price=0.01_seed=1-3fa2c1d0``.
    overrides
        Dotted config key -> value: the fixed overrides, the grid point and ``seed``.
    config
        The run's full training configuration.
    """

    id: str
    overrides: dict[str, Any]
    config: TrainConfig

    def directory(self, out: str | Path) -> Path:
        """The run's directory inside a sweep output directory ``out``."""
        return Path(out) / RUNS_DIR / self.id


@dataclass
class SweepSpec:
    """A parsed sweep file; :meth:`runs` expands it.

    Attributes
    ----------
    path
        The sweep file.
    name
        The sweep's name.
    base_config
        Base training config file (None: the defaults of :class:`~neurogrow.train.TrainConfig`).
    fixed
        Overrides of every run, dotted key -> value.
    grid
        Dotted key -> list of values; runs cover every combination.
    seeds
        Seeds, each giving one run per grid point; empty: the base config's seed.
    slurm
        Defaults of the Slurm options (see :class:`neurogrow.sweep.executors.SlurmOptions`).
    """

    path: Path
    name: str
    base_config: Path | None
    fixed: dict[str, Any]
    grid: dict[str, list]
    seeds: list[int]
    slurm: dict[str, Any] = field(default_factory=dict)

    def runs(self) -> list[Run]:
        """Every run of the sweep: grid points in file order, seeds innermost."""
        base = read_config_file(self.base_config) if self.base_config else {}
        runs: list[Run] = []
        seen: dict[str, dict] = {}
        for values in itertools.product(*self.grid.values()):
            point = dict(zip(self.grid, values))
            seeds: list[int | None] = list(self.seeds) or [None]
            for seed in seeds:
                shown = {**point, **({} if seed is None else {"seed": seed})}
                run = self._make_run(base, shown)
                if run.id in seen:
                    raise ConfigError(
                        f"sweep file {self.path}: grid points {seen[run.id]} and {point} give the same run {run.id}"
                    )
                seen[run.id] = point
                runs.append(run)
        return runs

    def _make_run(self, base: dict, shown: dict[str, Any]) -> Run:
        """The run of grid point and seed ``shown`` (on top of the fixed overrides)."""
        overrides = {**self.fixed, **shown}
        data = copy.deepcopy(base)
        for key, value in overrides.items():
            _assign(data, key, value, self.path)
        try:
            config = config_from_dict(data)
        except ConfigError as exc:
            raise ConfigError(f"sweep file {self.path}, run {_describe(overrides)}: {exc}") from exc
        resolved = config.to_dict()
        read = {key: _lookup(resolved, key) for key in overrides}
        return Run(run_id({k: read[k] for k in shown}, read), read, config)

    def to_dict(self) -> dict:
        """The sweep as JSON-serialisable data (as saved in the output directory)."""
        return {
            "name": self.name,
            "sweep_file": str(self.path),
            "config": str(self.base_config) if self.base_config else None,
            "fixed": self.fixed,
            "grid": self.grid,
            "seeds": self.seeds,
        }


def run_id(shown: dict[str, Any], overrides: dict[str, Any]) -> str:
    """``<slug of shown>-<8 hex digits of the hash of overrides>``.

    The slug names each shown key by its last component (``costs.time_price=0.01``
    -> ``time_price=0.01``), with characters that do not belong in a file name
    replaced by ``_``; it is ``base`` when nothing is shown.
    """
    canonical = json.dumps(overrides, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
    parts = [f"{key.rsplit('.', 1)[-1]}={_format(value)}" for key, value in shown.items()]
    slug = re.sub(r"[^A-Za-z0-9._=+-]", "_", "_".join(parts))[:_SLUG_MAX] or "base"
    return f"{slug}-{digest}"


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and check a sweep file (``.toml``, ``.yaml`` or ``.yml``).

    Raises
    ------
    ConfigError
        Naming the file and the key that is unknown or of the wrong type.
    """
    path = Path(path)
    data = read_config_file(path)
    unknown = sorted(set(data) - set(SWEEP_KEYS))
    if unknown:
        raise ConfigError(f"sweep file {path}: unknown key {unknown[0]!r} (known keys: {', '.join(SWEEP_KEYS)})")
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"sweep file {path}: 'name' must be a non-empty string, got {name!r}")
    base = data.get("config")
    if base is not None:
        if not isinstance(base, str) or not base:
            raise ConfigError(f"sweep file {path}: 'config' must be the path of a config file, got {base!r}")
        base = (path.parent / base).resolve()
        if not base.is_file():
            raise ConfigError(f"sweep file {path}: config file {base} does not exist")
    seeds = data.get("seeds", [])
    if not isinstance(seeds, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise ConfigError(f"sweep file {path}: 'seeds' must be a list of integers, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"sweep file {path}: 'seeds' lists a seed twice: {seeds}")
    fixed = _flatten(_table(data, "fixed", path), "fixed", path, lists=False)
    grid = _flatten(_table(data, "grid", path), "grid", path, lists=True)
    for key, values in grid.items():
        if not values:
            raise ConfigError(f"sweep file {path}: grid key {key!r} has no values")
    clash = sorted(set(fixed) & set(grid))
    if clash:
        raise ConfigError(f"sweep file {path}: key {clash[0]!r} is both fixed and in the grid")
    if seeds and "seed" in {**fixed, **grid}:
        raise ConfigError(f"sweep file {path}: 'seed' is set in fixed or grid and 'seeds' is given; use one")
    return SweepSpec(path, name, base, fixed, grid, seeds, _table(data, "slurm", path))


def _table(data: dict, key: str, path: Path) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"sweep file {path}: {key!r} must be a table of keys, got {value!r}")
    return value


def _flatten(table: dict, section: str, path: Path, lists: bool, prefix: str = "") -> dict[str, Any]:
    """Nested tables -> dotted keys; in the grid every leaf must be a list of values."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, section, path, lists, f"{full}."))
        elif lists and not isinstance(value, list):
            raise ConfigError(f"sweep file {path}: grid key {full!r} must be a list of values, got {value!r}")
        else:
            flat[full] = value
    return flat


def _assign(data: dict, key: str, value: Any, path: Path) -> None:
    """Set dotted ``key`` in nested ``data``."""
    *sections, last = key.split(".")
    node = data
    for i, section in enumerate(sections):
        node = node.setdefault(section, {})
        if not isinstance(node, dict):
            raise ConfigError(f"sweep file {path}: key {key!r}: {'.'.join(sections[: i + 1])!r} is not a section")
    node[last] = copy.deepcopy(value)


def _lookup(data: dict, key: str) -> Any:
    for part in key.split("."):
        data = data[part]
    return data


def _format(value: Any) -> str:
    if isinstance(value, list):
        return "-".join(_format(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _describe(overrides: dict[str, Any]) -> str:
    return " ".join(f"{k}={json.dumps(v)}" for k, v in overrides.items()) or "(no overrides)"
