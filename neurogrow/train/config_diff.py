"""Comparing saved configs: which keys differ between a run and its resumption (or a sweep's
saved run), counting keys that an older run predates with the value the code of its time used."""
from __future__ import annotations

import json

#: Keys that may differ between a run and its resumption.
RESUMABLE_KEYS = {"device", "eval_batch_size", "checkpoint_every_steps", "compile"}

#: Values of keys added after runs were saved without them: what the code of that time did.
LEGACY_VALUES = {
    ("costs", "time_objective"): "coupled",
    ("costs", "time_temperature"): 0.0,
    ("model", "halting_head"): "auto",
    ("data", "image_size"): 32,
    ("data", "channels"): 3,
    ("data", "test_fraction"): 0.2,
    ("data", "split_seed"): 0,
}


def with_legacy_values(saved: dict) -> dict:
    """A saved config dict with every key it predates set to :data:`LEGACY_VALUES` (a copy)."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in saved.items()}
    for (section, key), value in LEGACY_VALUES.items():
        if isinstance(out.get(section), dict):
            out[section].setdefault(key, value)
    return out


def config_differences(a: dict, b: dict, prefix: str = "") -> list[str]:
    """Keys whose values differ between two nested config dicts (ignoring RESUMABLE_KEYS; a key
    that one of them predates counts with its :data:`LEGACY_VALUES` value)."""
    if not prefix:
        a, b = with_legacy_values(a), with_legacy_values(b)
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
