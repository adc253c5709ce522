"""Inference with the lattice RCNN: the batched forward pass, early exit on the halting
probability, and FLOP accounting."""
from neurogrow.inference.early_exit import InferenceResult, check_threshold, run_early_exit, run_full_length
from neurogrow.inference.flops import flops_per_step, flops_spent
from neurogrow.inference.forward import MODES, ForwardResult, evaluate, forward_batches, run_forward

__all__ = [
    "MODES",
    "ForwardResult",
    "InferenceResult",
    "check_threshold",
    "evaluate",
    "flops_per_step",
    "flops_spent",
    "forward_batches",
    "run_early_exit",
    "run_forward",
    "run_full_length",
]
