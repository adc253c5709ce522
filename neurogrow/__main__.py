"""``python -m neurogrow``: the same as the ``neurogrow`` console script.

After an interrupt (exit 130) the process ends with ``os._exit``: a KeyboardInterrupt that passed
through an extension's embedded Python code would otherwise make the interpreter kill itself with
SIGINT at exit, after the one line was printed.
"""
import os
import sys

from neurogrow.cli import main

code = main()
if code == 130:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)
sys.exit(code)
