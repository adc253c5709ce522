"""``python -m neurogrow``: the same as the ``neurogrow`` console script (Ctrl-C while importing: one line, exit 130)."""
import sys

try:
    from neurogrow.cli import main
except KeyboardInterrupt:
    print("neurogrow: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
