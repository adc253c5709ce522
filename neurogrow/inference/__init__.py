"""Inference with the lattice RCNN: early exit on the halting probability, and FLOP accounting."""
from neurogrow.inference.early_exit import InferenceResult, check_threshold, run_early_exit, run_full_length
from neurogrow.inference.flops import flops_per_step, flops_spent

__all__ = ["InferenceResult", "check_threshold", "flops_per_step", "flops_spent", "run_early_exit", "run_full_length"]
