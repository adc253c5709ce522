"""Brain-Score data plugins, one folder each (as ``brainscore_vision/data/``)."""
