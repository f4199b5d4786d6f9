"""One process of the 2-process test: run by torchrun, trains, prints the test metrics as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from engine_helpers import run  # noqa: E402
from engine_tiny import sentiment  # noqa: E402


def main() -> None:
    snapshot, output = Path(sys.argv[1]), Path(sys.argv[2])
    outcome = run(snapshot, output, sentiment, "classification", ("negative", "positive"),
                  patience=0)
    from accelerate import PartialState

    state = PartialState(cpu=True)
    if state.is_main_process:
        print("METRICS " + json.dumps({"test": outcome.result.test, "steps": outcome.result.steps,
                                       "processes": outcome.result.processes}))


if __name__ == "__main__":
    main()
