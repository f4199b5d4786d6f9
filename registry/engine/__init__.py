"""The training engine: one accelerate loop for every domain, head and strategy."""

from .config import TrainConfig
from .loop import TrainResult, train
from .view import TrainingView

__all__ = ["TrainConfig", "TrainResult", "TrainingView", "train"]
