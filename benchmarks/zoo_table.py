"""Regenerate the README's table of shipped models from ``neurogrow/zoo/*.eval.json``.

    for m in $(neurogrow models --names); do
        neurogrow evaluate $m --json neurogrow/zoo/$m.eval.json --overwrite; done
    python benchmarks/zoo_table.py          # rewrites the table in README.md
    python benchmarks/zoo_table.py --check  # exit 1 if README.md disagrees with the files

The same files feed ``neurogrow models`` (:mod:`neurogrow.zoo.table`); ``tests/test_zoo.py``
checks that the README agrees with them. FLOPs come from ``torch.utils.flop_counter`` per step;
every step after the first costs the same, so the mean FLOPs per image under early exit is the
cumulative count interpolated at the mean exit step.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from neurogrow.zoo.table import markdown_table, replace_in_readme

README = Path(__file__).resolve().parents[1] / "README.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that README.md agrees; exit 1 if not")
    args = parser.parse_args(argv)
    table = markdown_table()
    text = README.read_text()
    new = replace_in_readme(text, table)
    if args.check:
        if new != text:
            print("README.md's model table differs from neurogrow/zoo/*.eval.json; run python benchmarks/zoo_table.py")
            return 1
        print("README.md's model table agrees with neurogrow/zoo/*.eval.json")
        return 0
    if new != text:
        README.write_text(new)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
