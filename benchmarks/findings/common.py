"""Shared pieces of the findings scripts: launching training runs and reading their results."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from neurogrow.outputs import write_json  # noqa: F401  (re-exported for the scripts)

ROOT = Path(__file__).resolve().parents[2]
#: The development machines keep the real data beside the repository; the benchmarks read it from
#: there unless $NEUROGROW_DATA says otherwise (the package itself has no such default: it downloads).
_DEV_DATA = ROOT.parent / "shared" / "data"
if "NEUROGROW_DATA" not in os.environ and _DEV_DATA.is_dir():
    os.environ["NEUROGROW_DATA"] = str(_DEV_DATA)
RESULTS = ROOT / "benchmarks" / "results"
SHIPPED_CONFIG = ROOT / "neurogrow" / "zoo" / "blt-cifar10-adaptive.toml"
#: halting "varies across images" when the SD of E[t] over the test images is at least this (steps);
#: one threshold for every finding
MIN_STEPS_SD = 0.1


def train_command(sets: list[str], out: Path, config: Path = SHIPPED_CONFIG) -> list[str]:
    """A resumable, quiet ``neurogrow train`` command with ``--set`` overrides."""
    cmd = [sys.executable, "-m", "neurogrow", "train", "--config", str(config), "--quiet", "--resume"]
    return cmd + [a for s in sets for a in ("--set", s)] + ["--out", str(out)]


def run_all(commands: list[list[str]], jobs: int = 1) -> list[int]:
    """Run commands, ``jobs`` at a time; returns their exit codes.

    Each command gets ``OMP_NUM_THREADS`` = cores // jobs (unless set already): ``jobs`` torch
    processes with the default thread count each would oversubscribe the cores.
    """
    t0 = time.time()
    env = {**os.environ}
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // jobs)))
    with ThreadPoolExecutor(jobs) as pool:
        codes = list(pool.map(lambda c: subprocess.run(c, env=env).returncode, commands))
    print(f"{sum(c == 0 for c in codes)}/{len(codes)} runs finished in {time.time() - t0:.0f} s")
    if any(codes):
        failed = [c[c.index("--out") + 1] for c, code in zip(commands, codes) if code]
        print(f"error: {len(failed)} runs failed: {', '.join(failed)}", file=sys.stderr)
        raise SystemExit(1)
    return codes


def metrics_rows(run: Path) -> list[dict]:
    """Metrics rows of a run: a run folder (``metrics.jsonl`` inside) or an archived ``NAME.jsonl``."""
    path = run / "metrics.jsonl" if run.is_dir() else run
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def final_row(run_dir: Path, epochs: int) -> dict | None:
    """The last metrics row of a finished run (with its total training seconds), else None."""
    rows = metrics_rows(run_dir)
    if not rows or rows[-1]["epoch"] != epochs:
        return None
    return {**rows[-1], "train_seconds": sum(r["seconds"] for r in rows), "rows": rows}


def collect_runs(runs: Path, names, epochs: int) -> dict[str, dict[int, dict]]:
    """``{name: {seed: final row}}`` of the finished runs ``NAME-sSEED`` (folders or archived .jsonl)."""
    out: dict[str, dict[int, dict]] = {}
    for name in names:
        out[name] = {}
        for d in sorted(runs.glob(f"{name}-s*")):
            seed = d.name.rsplit("-s", 1)[1].removesuffix(".jsonl")
            if seed.isdigit() and (row := final_row(d, epochs)):
                out[name][int(seed)] = row
    return out


def archive_runs(runs: Path, dest: Path) -> int:
    """Copy every run folder's metrics.jsonl under ``runs`` to ``dest/NAME.jsonl`` (small, committable)."""
    dest.mkdir(parents=True, exist_ok=True)
    n = 0
    for d in sorted(runs.iterdir()) if runs.is_dir() else []:
        if d.is_dir() and (d / "metrics.jsonl").exists():
            tmp = dest / f".{d.name}.jsonl.tmp"
            tmp.write_text((d / "metrics.jsonl").read_text())
            os.replace(tmp, dest / f"{d.name}.jsonl")
            n += 1
    return n


def unfinished(commands: list[list[str]], epochs: int) -> list[list[str]]:
    """The commands whose ``--out`` run has not finished (a finished run is skipped on a rerun)."""
    return [c for c in commands if final_row(Path(c[c.index("--out") + 1]), epochs) is None]


#: :func:`halting_adapts` in words, for the rule text stored beside a verdict
HALTING_ADAPTS_TEXT = (
    f"T >= 2, mean E[t] in [1.05, T - 0.05], SD of E[t] over the test images >= {MIN_STEPS_SD} where recorded"
)


def halting_adapts(row: dict, min_sd: float = MIN_STEPS_SD) -> tuple[bool, str]:
    """Whether a run's halting varies across images.

    Needs T >= 2 and mean E[t] strictly inside [1, T] (within 0.05 of 1 or of T, nearly every
    image halts at the same end of the window) and, where the run recorded it
    (``test_steps_sd``, :func:`neurogrow.inference.evaluate`), a standard deviation of E[t] over
    the test images of at least ``min_sd`` steps: a mean inside the window is also what every
    image halting at the same middle step gives. Runs from before ``steps_sd`` was recorded are
    judged on the mean alone, and the detail says so.
    """
    T, m = row["window_steps"], row["test_mean_steps"]
    sd = row.get("test_steps_sd")
    ok = T >= 2 and 1.05 <= m <= T - 0.05
    if sd is None:
        return ok, f"mean E[t] {m:.3f} with T = {T} (spread over images not recorded)"
    return ok and sd >= min_sd, f"mean E[t] {m:.3f}, SD over images {sd:.3f} (need >= {min_sd}) with T = {T}"


def t_interval(values) -> list[float]:
    """95% t-interval of the mean (degenerate for fewer than two values)."""
    from scipy import stats

    v = np.asarray(values, float)
    if len(v) < 2:
        return [float(v.mean()), float(v.mean())]
    h = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return [float(v.mean() - h), float(v.mean() + h)]


def confidence_step(step_probs: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """First step (from 1) whose largest class probability reaches ``threshold``, else T.

    The model-agnostic "confidence step" that any recurrent network has, adaptive halting or not.
    """
    reached = np.asarray(step_probs).max(axis=2) >= threshold
    reached[:, -1] = True
    return reached.argmax(axis=1) + 1


def hardware() -> dict:
    """Where a script ran."""
    import torch

    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "platform": platform.platform()}



def save_figure(fig, stem: Path) -> None:
    """Save a matplotlib figure as ``stem.png`` and ``stem.pdf``."""
    for ext in ("png", "pdf"):
        fig.savefig(f"{stem}.{ext}", dpi=150)


def run_report_main(doc: str, run, report, add_run_args=None) -> None:
    """The ``run`` / ``report`` command line shared by the training-based findings scripts."""
    import argparse

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="train every condition and seed")
    r.add_argument("--out", required=True)
    r.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    r.add_argument("--jobs", type=int, default=1)
    if add_run_args:
        add_run_args(r)
    r.set_defaults(func=run)
    p = sub.add_parser("report", help="collect the runs into results.json and a figure")
    p.add_argument("--runs", required=True)
    p.add_argument("--hardware", default="", help="where the runs ran, if not here")
    p.set_defaults(func=report)
    args = parser.parse_args()
    args.func(args)
