"""How fast `zoo list` is with 20 plugins installed, against `python -c "import transformers"`.

The baseline runs in the same process tree and the same minutes, so the ratio holds on a
noisy machine; both are whole-process wall times (interpreter start included), median of N.
Target (issue 2): `zoo list` under 150 ms median on these machines, with 20 plugins.

    python benchmarks/list_speed.py [--runs 15] [--plugins 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zoo.testing import write_plugin_distribution

PLUGIN = '''
import zoo

@zoo.hookimpl
def register_backbones(register):
    register(zoo.Backbone(name="bench-{i}", repo="bench/model-{i}", domain="text",
                          architecture="BertModel", params={i}000, license="mit"))

@zoo.hookimpl
def register_tasks(register):
    register(zoo.Task(name="bench-task-{i}", dataset="movie-reviews"))
'''


def median_wall(cmd: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median and minimum wall seconds of ``cmd`` over ``runs`` runs, after one warm-up run
    (which also writes the bytecode caches)."""
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--plugins", type=int, default=20)
    args = parser.parse_args()
    zoo_script = str(Path(sys.executable).parent / "zoo")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        for i in range(args.plugins):
            write_plugin_distribution(site, f"zoo-bench-{i}", PLUGIN.format(i=i))
        # Measure what a user's install does: Python caches bytecode. A shell that sets
        # PYTHONDONTWRITEBYTECODE would make every run recompile every module instead.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPATH"] = str(site)
        listed = subprocess.run([zoo_script, "list"], env=env, capture_output=True, text=True, check=True)
        n_rows = len(listed.stdout.splitlines()) - 1
        plugins = subprocess.run([zoo_script, "plugins"], env=env, capture_output=True, text=True, check=True)
        n_plugins = len(plugins.stdout.splitlines()) - 1
        zoo_med, zoo_min = median_wall([zoo_script, "list"], args.runs, env)
        py_med, py_min = median_wall([sys.executable, "-c", "pass"], args.runs, env)
        tf_med, tf_min = median_wall([sys.executable, "-c", "import transformers"], args.runs, env)
    print(f"plugins installed:             {n_plugins} (zoo list shows {n_rows} backbones)")
    print(f"runs each:                     {args.runs}")
    print(f"python -c pass:                median {py_med * 1000:7.1f} ms  min {py_min * 1000:7.1f} ms")
    print(f"zoo list:                      median {zoo_med * 1000:7.1f} ms  min {zoo_min * 1000:7.1f} ms")
    print(f'python -c "import transformers": median {tf_med * 1000:7.1f} ms  min {tf_min * 1000:7.1f} ms')
    print(f"ratio zoo list / import transformers: {zoo_med / tf_med:.3f}")
    print(f"target zoo list < 150 ms median: {'met' if zoo_med < 0.150 else 'NOT met'}")


if __name__ == "__main__":
    main()
