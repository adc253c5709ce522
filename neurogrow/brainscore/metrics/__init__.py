"""Brain-Score metric plugins, one folder each (as ``brainscore_vision/metrics/``)."""
