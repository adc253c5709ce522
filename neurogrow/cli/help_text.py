"""Words shared by several subcommands' help (light: read when the parser is built)."""

#: Where datasets are read from and downloaded to when no --data-root is given (neurogrow.data.paths).
DATA_ROOT_DEFAULT = "$NEUROGROW_DATA, else the platform cache folder such as ~/.cache/neurogrow; CIFAR-10 is downloaded there on first use"
