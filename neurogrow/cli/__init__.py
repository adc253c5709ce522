"""The ``neurogrow`` console script: one subcommand per module in this package.

Each subcommand module exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
Errors derived from :class:`neurogrow.errors.NeurogrowError` are printed as one line
on stderr and exit with code 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from neurogrow.errors import NeurogrowError, command_line

#: Subcommand modules, in the order ``neurogrow --help`` lists them.
SUBCOMMANDS = [
    "train",
    "models",
    "evaluate",
    "extract",
    "compare_rt",
    "sweep",
    "compare_rsa",
    "brainscore",
]


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available subcommand."""
    from neurogrow import __version__

    parser = argparse.ArgumentParser(
        prog="neurogrow",
        description="Grow recurrent convolutional networks in breadth, depth and time, "
        "and compare their halting times with human reaction times.",
    )
    parser.add_argument("--version", action="version", version=f"neurogrow {__version__}")
    parser.add_argument(
        "-q",
        "--quiet",
        dest="global_quiet",
        action="store_true",
        help="no progress bars or set-up messages (results are still printed); also NEUROGROW_QUIET=1. "
        "Progress is a bar on a terminal and plain lines on stderr elsewhere (CI logs)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"neurogrow.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from neurogrow.progress import quiet_scope

    try:
        with command_line(), quiet_scope(args.global_quiet):
            return int(args.func(args) or 0)
    except NeurogrowError as exc:
        print(f"neurogrow {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"neurogrow {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
