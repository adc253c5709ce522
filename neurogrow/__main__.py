"""``python -m neurogrow``: the same as the ``neurogrow`` console script (:func:`neurogrow.cli.console`)."""
from neurogrow.cli import console

console()
