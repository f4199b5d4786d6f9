"""The training engine: one accelerate loop for every domain, head and strategy."""

from .config import TrainConfig
from .loop import TrainResult, train

__all__ = ["TrainConfig", "TrainResult", "train"]
