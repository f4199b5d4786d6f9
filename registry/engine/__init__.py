"""The training engine: one accelerate loop for every domain, head and strategy."""

from zoo.engine.config import TrainConfig
from zoo.engine.loop import TrainResult, train
from zoo.engine.view import TrainingView

__all__ = ["TrainConfig", "TrainResult", "TrainingView", "train"]
