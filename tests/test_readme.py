"""The README's Python API block runs as written (in a scratch folder with the shipped data linked)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_api_block_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"^```python\n(.*?)^```", section, re.S | re.M)
    (tmp_path / "human_data").symlink_to(ROOT / "human_data")
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)
    assert list(ns["df"]["prediction"]) and len(ns["df"]) == 2
    assert len(ns["times"].table) == 160 and (tmp_path / "times.h5").is_file()
    assert ns["rt"].summary["n_stimuli"] == 160 and (tmp_path / "rt_results" / "scatter.png").is_file()
