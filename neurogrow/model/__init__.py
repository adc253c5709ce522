"""The lattice RCNN, its costs and its growth."""
from neurogrow.model.config import ModelConfig
from neurogrow.model.costs import CostConfig
from neurogrow.model.growth import GrowthConfig, update_window
from neurogrow.model.lattice import LatticeOutput, LatticeRCNN

__all__ = ["CostConfig", "GrowthConfig", "LatticeOutput", "LatticeRCNN", "ModelConfig", "update_window"]
