"""Brain-Score model plugins, one folder each (as ``brainscore_vision/models/``)."""
