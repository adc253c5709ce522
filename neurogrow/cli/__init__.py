"""The ``neurogrow`` console script: one subcommand per module in this package.

Each subcommand module exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
Errors derived from :class:`neurogrow.errors.NeurogrowError` are printed as one line
on stderr and exit with code 2.
"""
from __future__ import annotations

import argparse
import errno
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


#: Errors of a full disk or quota (``OSError.errno``), and the words libraries put in other exceptions for them.
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
DISK_FULL_TEXT = ("No space left on device", "Disk quota exceeded", "errno = 28")


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says the disk or the quota is full."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            return True
        if any(t in str(exc) for t in DISK_FULL_TEXT):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
        seen += 1
    return False


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def main(argv: list[str] | None = None) -> int:
    """Run the console script; returns the process exit code.

    A :class:`NeurogrowError` is one line and exit 2; Ctrl-C at any moment (imports and set-up
    included) is one line and exit 130; a full disk is one line and exit 2. The atomic writers of
    :mod:`neurogrow.outputs` have removed their temporary files by then: nothing is left behind.
    """
    command = "command"
    try:
        import signal

        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler and _main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)  # from here Ctrl-C is a KeyboardInterrupt, caught below
        parser = build_parser()
        args = parser.parse_args(argv)
        command = args.command or command
        if args.command is None:
            parser.print_help()
            return 0
        from neurogrow.progress import quiet_scope

        with command_line(), quiet_scope(args.global_quiet):
            return int(args.func(args) or 0)
    except NeurogrowError as exc:
        print(f"neurogrow {command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"neurogrow {command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if not disk_full(exc):
            raise
        where = str(getattr(exc, "filename", None) or "")
        kept = ("the run folder keeps only complete files (with --resume the run continues from its last checkpoint)"
                if command == "train" else "nothing was written")
        print(f"neurogrow {command}: error: {where + ': ' if where else ''}no space left on the disk (or quota); "
              f"expected room for the output: {kept}; free space and run the command again", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())


def console() -> None:
    """The ``neurogrow`` console script and ``python -m neurogrow``: :func:`main`, then exit.

    After an interrupt (exit 130) the process ends with ``os._exit``: a KeyboardInterrupt that
    passed through an extension's embedded Python code would otherwise make the interpreter kill
    itself with SIGINT at exit, after the one line was printed.
    """
    import os

    code = main()
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(code)
