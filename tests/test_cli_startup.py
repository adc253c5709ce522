"""The command line answers at once: --help, --version, every subcommand's --help and `neurogrow models`
import neither torch nor pandas (timings: benchmarks/cli_startup.py, not a timed test)."""
import subprocess
import sys

import pytest

from neurogrow.cli import SUBCOMMANDS

HEAVY = ("torch", "pandas", "matplotlib", "scipy", "h5py", "rsatoolbox", "statsmodels", "sklearn")
PROBE = (
    "import sys\n"
    "from neurogrow.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    "print('HEAVY', sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)\n"
)


def _heavy_modules(*argv: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv], capture_output=True, text=True, check=True, timeout=120
    )
    line = next(line for line in out.stderr.splitlines() if line.startswith("HEAVY"))
    return eval(line.split(" ", 1)[1])


COMMANDS = [["--help"], ["--version"], ["models"], ["models", "--names"]] + [
    [name.replace("_", "-"), "--help"] for name in SUBCOMMANDS
] + [["brainscore", "score", "--help"]]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_the_command_line_answers_without_importing_torch(argv):
    assert _heavy_modules(*argv) == []


def test_importing_neurogrow_is_light():
    assert _heavy_modules("--version") == []
    out = subprocess.run(
        [sys.executable, "-c", f"import sys, neurogrow; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"],
        capture_output=True, text=True, check=True, timeout=120,
    )
    assert out.stdout.strip() == "[]"
