"""One process of the two-node test, run by torchrun in its node's own working directory:
trains into ./run (optionally stopping at a step, or resuming), then prints what this rank
ended with: its test metrics and a digest of its weights."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from engine_helpers import run  # noqa: E402
from engine_tiny import sentiment  # noqa: E402


class Interrupt(Exception):
    """Stands for a crash at a given step."""


def digest(model) -> str:
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def main() -> None:
    snapshot, mode = Path(sys.argv[1]), sys.argv[2]
    stop = int(sys.argv[3]) if mode == "stop" else 0

    def on_step(step: int) -> None:
        if step == stop:
            raise Interrupt(step)

    outcome = run(snapshot, Path("run"), sentiment, "classification", ("negative", "positive"),
                  patience=0, epochs=4, resume=mode == "resume",
                  on_step=on_step if stop else None)
    from accelerate import PartialState

    print("RESULT " + json.dumps({"rank": PartialState().process_index,
                                  "test": outcome.result.test, "steps": outcome.result.steps,
                                  "best_epoch": outcome.result.best_epoch,
                                  "weights": digest(outcome.result.model)}), flush=True)


if __name__ == "__main__":
    main()
