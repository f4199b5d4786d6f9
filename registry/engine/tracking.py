"""Experiment trackers (``--report-to``) through accelerate's tracker API, logging under
the run's own ``logs/`` folder.

Each is checked before any work: a name accelerate does not know, or one whose package is
missing, is one line. The engine logs per step (loss, learning rate, examples/s, gradient
norm), per epoch (validation metrics), the test metrics at the end, and every hyperparameter.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zoo.errors import UsageError

#: The zoo extra that installs a tracker's package, where zoo has one.
EXTRAS = {"tensorboard": "tensorboard", "mlflow": "mlflow"}
#: The package to install for the trackers zoo has no extra for.
PACKAGES = {"comet_ml": "comet_ml", "wandb": "wandb", "aim": "aim", "clearml": "clearml",
            "dvclive": "dvclive", "swanlab": "swanlab", "trackio": "trackio"}
#: What TensorBoard names the project folder and MLflow the experiment.
PROJECT = "zoo"


def parse_trackers(value: str) -> tuple[str, ...]:
    """``--report-to``'s comma-separated names, in order, without repeats or blanks."""
    names = [n.strip().lower() for n in value.split(",")]
    return tuple(dict.fromkeys(n for n in names if n and n != "none"))


def check_trackers(names: Sequence[str]) -> None:
    """Refuse an unknown tracker or one whose package is missing, with one line each."""
    if not names:
        return
    from accelerate.tracking import LOGGER_TYPE_TO_CLASS, get_available_trackers

    known = sorted(LOGGER_TYPE_TO_CLASS)
    available = {str(t) for t in get_available_trackers()}
    for name in names:
        if name not in LOGGER_TYPE_TO_CLASS:
            raise UsageError(f"--report-to: unknown tracker {name!r}; accelerate supports "
                             f"{', '.join(known)}")
        if name not in available:
            how = (f"pip install 'zoo[{EXTRAS[name]}]'" if name in EXTRAS
                   else f"pip install {PACKAGES.get(name, name)}")
            raise UsageError(f"--report-to {name}: its package is not installed; {how}")


def prepare_store(names: Sequence[str], logdir: Path) -> None:
    """Point MLflow at a local store in ``logdir`` unless the user set a tracking server
    (``MLFLOW_TRACKING_URI``). It is MLflow's file store: its SQLite store takes seconds to
    create its tables and logs synchronously each step; the file store is in MLflow's
    maintenance mode, hence the opt-in."""
    if "mlflow" not in names or os.environ.get("MLFLOW_TRACKING_URI"):
        return
    import mlflow

    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri((logdir / "mlflow").absolute().as_uri())


def hyperparameters(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as trackers take them: str, int, float or bool (the rest as JSON text)."""
    import json

    return {k: v if isinstance(v, (bool, int, float, str)) else json.dumps(v)
            for k, v in values.items()}


def prefixed(prefix: str, metrics: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}/{k}": float(v) for k, v in metrics.items()}
