"""Brain-Score benchmark plugins, one folder each (as ``brainscore_vision/benchmarks/``)."""
