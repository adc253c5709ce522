"""Training lattice RCNNs: configuration, loop and checkpoints."""
from neurogrow.train.config import TrainConfig, load_config
from neurogrow.train.loop import Trainer, evaluate, train

__all__ = ["TrainConfig", "Trainer", "evaluate", "load_config", "train"]
