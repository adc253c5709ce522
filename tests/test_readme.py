"""The README: its Python API block runs as written, and its compare-rt tables are what `make demo` gives."""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_api_block_runs(tmp_path, monkeypatch, capsys):
    text = (ROOT / "README.md").read_text()
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"^```python\n(.*?)^```", section, re.S | re.M)
    (tmp_path / "human_data").symlink_to(ROOT / "human_data")
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)
    assert list(ns["df"]["prediction"]) and len(ns["df"]) == 2
    printed = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(printed) if line.lstrip().startswith("stimulus"))
    assert printed[at].split() == ["stimulus", "prediction", "probability", "expected_steps", "exit_step"]  # no column hidden
    rows = printed[at + 1:at + 3]
    assert [r.split()[0] for r in rows] == ["human_data/geirhos2019/stimuli/edges/cat/cat1.png", "human_data/geirhos2019/stimuli/edges/truck/truck1.png"]
    assert all(len(r.split()) == 5 and "..." not in r for r in rows)
    assert len(ns["times"].table) == 160 and (tmp_path / "times.h5").is_file()
    assert ns["rt"].summary["n_stimuli"] == 160 and (tmp_path / "rt_results" / "scatter.png").is_file()


def test_no_user_facing_doc_refers_to_a_path_outside_the_repository(capsys):
    """README, docs/ and every --help name only paths inside the repository (or the user's own)."""
    from neurogrow.cli import SUBCOMMANDS, main

    texts = {"README.md": (ROOT / "README.md").read_text()}
    texts.update({str(p.relative_to(ROOT)): p.read_text() for p in (ROOT / "docs").rglob("*.md")})
    for name in ["--help"] + [s.replace("_", "-") for s in SUBCOMMANDS]:
        argv = [name] if name == "--help" else [name, "--help"]
        with contextlib.suppress(SystemExit):
            main(argv)
        texts[f"neurogrow {' '.join(argv)}"] = capsys.readouterr().out
    # the development machines' data folder beside the checkout (../shared/...), which users do not have
    outside = {where: sorted(set(re.findall(r"(?:\.\./)+shared/[\w./-]*|shared/data\b", text))) for where, text in texts.items()}
    assert {w: o for w, o in outside.items() if o} == {}


def test_readme_demo_tables_are_what_make_demo_prints(tmp_path):
    """The README's compare-rt tables are rewritten from ``make demo``'s own output, number for number."""
    import subprocess
    import sys

    out = tmp_path / "demo"
    subprocess.run([sys.executable, "-m", "neurogrow", "compare-rt", "--demo", "--out", str(out)],
                   check=True, capture_output=True, text=True, timeout=600)
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "demo_table.py"), "--results", str(out), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_replace_between_keeps_the_markers_and_names_a_missing_one():
    from neurogrow.errors import NeurogrowError
    from neurogrow.outputs import replace_between

    text = "intro\n<!-- a -->\nold\ntable\n<!-- b -->\nrest\n"
    assert replace_between(text, "<!-- a -->", "<!-- b -->", "new") == "intro\n<!-- a -->\nnew\n<!-- b -->\nrest\n"
    with pytest.raises(NeurogrowError, match=r"README\.md lacks the markers"):
        replace_between("intro\n<!-- a -->\n", "<!-- a -->", "<!-- b -->", "new", where="README.md")
