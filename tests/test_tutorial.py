"""docs/tutorial.md runs: its code blocks are extracted and executed, in order.

The default suite compiles every Python block, checks every shell command against the CLI's
parser and runs the first two blocks (model, one image); the slow test runs the whole tutorial
(about a minute on 2 cores) and checks the numbers the text quotes.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"


def blocks() -> list[tuple[str, str]]:
    """(language, code) of every fenced block of the tutorial, in order."""
    return re.findall(r"^```(python|bash)\n(.*?)^```", TUTORIAL.read_text(), re.S | re.M)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh folder with the shipped human data linked in, as the repository root would have."""
    (tmp_path / "human_data").symlink_to(ROOT / "human_data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run_bash(code: str, cwd: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for line in code.strip().splitlines():
        args = shlex.split(line)
        assert args[0] == "neurogrow", line
        subprocess.run([sys.executable, "-m", "neurogrow", "--quiet", *args[1:]], cwd=cwd, env=env, check=True)


def test_blocks_compile_and_commands_parse():
    from neurogrow.cli import build_parser

    found = blocks()
    assert [lang for lang, _ in found].count("python") >= 5
    for lang, code in found:
        if lang == "python":
            compile(code, str(TUTORIAL), "exec")
        else:
            for line in code.strip().splitlines():
                args = shlex.split(line)
                assert args[0] == "neurogrow"
                build_parser().parse_args(args[1:])  # exits (fails the test) on an unknown option


def test_first_blocks_run(workdir):
    namespace: dict = {}
    for _, code in [b for b in blocks() if b[0] == "python"][:2]:
        exec(compile(code, str(TUTORIAL), "exec"), namespace)
    df = namespace["df"]
    assert len(df) == 1 and {"prediction", "expected_steps", "exit_step"} <= set(df.columns)


@pytest.mark.slow
def test_whole_tutorial_runs_and_its_numbers_hold(workdir):
    namespace: dict = {}
    for lang, code in blocks():
        if lang == "python":
            exec(compile(code, str(TUTORIAL), "exec"), namespace)
        else:
            _run_bash(code, workdir)
    s = namespace["rt"].summary
    text = TUTORIAL.read_text()
    quoted = f"Spearman {s['spearman']['r']:.3f} [{s['spearman']['ci95'][0]:.3f}, {s['spearman']['ci95'][1]:.3f}] against a ceiling of {s['noise_ceiling']['spearman_brown']:.3f}"
    assert quoted in text
    for f in ("rt/scatter.png", "rt/report.md", "rsa/heatmap_spearman.png", "rt_cli/summary.json"):
        assert (workdir / "tutorial_output" / f).is_file(), f
    import json

    cli = json.loads((workdir / "tutorial_output/rt_cli/summary.json").read_text())
    assert cli["spearman"] == json.loads((workdir / "tutorial_output/rt/summary.json").read_text())["spearman"]
    # every figure the tutorial shows is the one its code writes (python benchmarks/tutorial_figures.py)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from tutorial_figures import FILES, SHOWN, same_pixels

    stale = [name for name, made in SHOWN.items() if not same_pixels(workdir / made, FILES / name)]
    assert not stale, f"{stale}: run python benchmarks/tutorial_figures.py"


def test_every_figure_the_tutorial_shows_is_regenerated_by_the_script():
    """docs/tutorial_files/ holds exactly the figures benchmarks/tutorial_figures.py writes (and the slow test compares)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from tutorial_figures import FILES, SHOWN

    shown = set(re.findall(r"\]\(tutorial_files/([\w.-]+)\)", TUTORIAL.read_text()))
    assert shown == set(SHOWN) == {p.name for p in FILES.glob("*.png")}
    assert "benchmarks/tutorial_figures.py" in TUTORIAL.read_text()
