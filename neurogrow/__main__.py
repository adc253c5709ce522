"""``python -m neurogrow``: the same as the ``neurogrow`` console script."""
import sys

from neurogrow.cli import main

sys.exit(main())
