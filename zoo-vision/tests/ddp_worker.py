"""One process of the 2-process vision test: run by torchrun, trains, prints the metrics."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_adapt import FAST, TASK, examples  # noqa: E402

from zoo.adapt import adapt_snapshot  # noqa: E402
from zoo.data import TaskData  # noqa: E402
from zoo.engine import TrainConfig  # noqa: E402
from zoo.snapshot import Snapshot  # noqa: E402

DATA = TaskData(examples(32, 0), examples(16, 100), examples(32, 200), TASK.labels, "0" * 64)


def main() -> None:
    snapshot, output, strategy = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    outcome = adapt_snapshot(Snapshot.folder(snapshot, "tiny-vision"), TASK, DATA, strategy=strategy,
                             config=TrainConfig(**{**FAST, "patience": 0}), output=output)
    from accelerate import PartialState

    if PartialState(cpu=True).is_main_process:
        result = outcome.result
        print("METRICS " + json.dumps({"test": result.test, "steps": result.steps,
                                       "processes": result.processes}))


if __name__ == "__main__":
    main()
