"""A sweep's results table: every run's status, overrides and final metrics.

One row per run: ``run_id``, ``status``, one column per override (dotted config
key, e.g. ``costs.time_price``, and ``seed``), ``epochs`` (epochs finished), the
last row of the run's ``metrics.jsonl`` (its test metrics once the run is done),
``train_seconds`` and, for a failed run, ``error`` (the last line of its traceback).
Written as ``results.csv`` (lists as JSON text) and ``results.json`` (a list of records).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from neurogrow.errors import DataError
from neurogrow.outputs import json_safe, write_text
from neurogrow.sweep.spec import Run
from neurogrow.sweep.task import ERROR_FILE
from neurogrow.train.loop import CONFIG, FINAL_MODEL, METRICS

#: File in a run directory holding the Slurm job id of its latest submission.
SUBMITTED_FILE = "slurm_job"
RESULTS_CSV = "results.csv"
RESULTS_JSON = "results.json"

#: Run states, in the order they are checked.
STATUSES = {
    "done": "finished: model.pt written",
    "failed": "the last attempt raised an error (error.txt)",
    "submitted": "submitted to Slurm, not finished or failed yet",
    "partial": "started, not finished (resumes from its checkpoint)",
    "pending": "not started",
}


def run_status(run_dir: str | Path) -> str:
    """One of :data:`STATUSES` for a run directory."""
    run_dir = Path(run_dir)
    if (run_dir / FINAL_MODEL).exists():
        return "done"
    if (run_dir / ERROR_FILE).exists():
        return "failed"
    if (run_dir / SUBMITTED_FILE).exists():
        return "submitted"
    if (run_dir / CONFIG).exists():
        return "partial"
    return "pending"


def read_metrics(path: str | Path) -> list[dict]:
    """The rows of a run's ``metrics.jsonl`` (none if the file does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path} line {number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise DataError(f"{path} line {number}: expected a JSON object of metrics")
        rows.append(row)
    return rows


def collect(runs: list[Run], out: str | Path) -> list[dict]:
    """One record per run (see the module docstring), in the sweep's run order."""
    records = []
    for run in runs:
        run_dir = run.directory(out)
        status = run_status(run_dir)
        rows = read_metrics(run_dir / METRICS)
        record: dict[str, Any] = {"run_id": run.id, "status": status, **run.overrides, "epochs": len(rows)}
        if rows:
            record.update({k: v for k, v in rows[-1].items() if k not in ("epoch", "events", "seconds")})
            record["train_seconds"] = sum(r.get("seconds", 0.0) for r in rows)
        if status == "failed":
            lines = (run_dir / ERROR_FILE).read_text().strip().splitlines()
            record["error"] = lines[-1] if lines else ""
        records.append(record)
    return records


def write_results(records: list[dict], out: str | Path) -> tuple[Path, Path]:
    """Write ``results.csv`` and ``results.json`` atomically; returns their paths."""
    out = Path(out)
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    table = pd.DataFrame(
        [{k: _cell(record.get(k)) for k in columns} for record in records], columns=list(columns)
    )
    csv_path, json_path = out / RESULTS_CSV, out / RESULTS_JSON
    write_text(csv_path, table.to_csv(index=False))
    write_text(json_path, json.dumps([json_safe(r) for r in records], indent=1) + "\n")
    return csv_path, json_path


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, (list, dict)) else value


