"""zoo serve as a real subprocess on a loopback port: the answers of zoo predict, the endpoints,
every bad input a 4xx with one JSON line, batching, and a SIGTERM that loses nothing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from export_helpers import invoke
from zoo.testing import run_cli_blocking
from zoo.testing.serving import Reply, ServeProcess

TEXTS = ["a good and great film", "an awful , boring mess", "great"]
#: The run's max length (tests/serve/conftest.py) and a text of more words than that.
MAX_LENGTH = 16
LONG = " ".join(["good", "awful"] * 20)


@pytest.fixture(scope="module")
def servers(served_run: Path) -> Iterator[dict[str, ServeProcess]]:
    """Three servers, started together (each loads its model meanwhile): torch with small
    limits, the ONNX export, and torch batching up to 4 inputs with a long wait."""
    started = {
        "torch": ServeProcess(served_run, ["--max-inputs", "8", "--max-body-bytes", "4096",
                                           "--no-bf16"]).start(),
        "onnx": ServeProcess(served_run, ["--backend", "onnx"]).start(),
        "batching": ServeProcess(served_run, ["--max-batch", "4", "--max-wait-ms", "60000",
                                              "--no-bf16"]).start()}
    try:
        for server in started.values():
            server.wait_ready()
        yield started
    finally:
        for server in started.values():
            server.close()


def predicted(run_dir: Path, texts: list[str], *args: str) -> list[dict]:
    result = invoke("predict", run_dir, *texts, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def one_line_error(reply: Reply, status: int) -> str:
    assert reply.status == status, (reply.status, reply.body)
    body = reply.json()
    assert list(body) == ["error"] and "\n" not in body["error"], body
    return body["error"]


@pytest.mark.parametrize("backend, args", [("torch", ["--no-bf16"]), ("onnx", ["--backend", "onnx"])])
def test_answers_equal_zoo_predict(servers, served_run, backend, args):
    reply = servers[backend].post_json("/predict", {"inputs": TEXTS})
    assert reply.status == 200, reply.body
    assert reply.json() == {"predictions": predicted(served_run, TEXTS, *args)}


def test_banner_health_info_and_openapi(servers, served_run):
    server = servers["torch"]
    assert server.banner["url"].startswith("http://127.0.0.1:")
    assert (server.banner["backend"], server.banner["run"]) == ("torch", str(served_run))
    assert server.get("/health").json() == {"status": "ready"}
    info = server.get("/info").json()
    run = json.loads((served_run / "run.json").read_text())
    metrics = json.loads((served_run / "metrics.json").read_text())
    assert {k: info[k] for k in ("entry", "revision", "task", "labels", "backend")} == {
        "entry": "tiny-bert", "revision": run["revision"], "task": run["task"],
        "labels": run["labels"], "backend": "torch"}
    assert (info["strategy"], info["test_metrics"], info["max_length"]) == (
        "full", metrics["test"], MAX_LENGTH)
    assert servers["onnx"].get("/info").json()["backend"] == "onnx"
    spec = server.get("/openapi.json").json()
    assert {"/predict", "/health", "/info", "/metrics"} <= set(spec["paths"])
    assert server.get("/docs").status == 200


def test_a_long_text_is_cut_as_in_training_and_the_answer_says_so(servers, served_run):
    for backend, args in (("torch", ["--no-bf16"]), ("onnx", ["--backend", "onnx"])):
        body = servers[backend].post_json("/predict", {"inputs": ["good", LONG]}).json()
        expected = predicted(served_run, ["good", LONG], *args)
        assert body["predictions"] == [expected[0], {**expected[1], "truncated": True}]
        assert body["warnings"] == [f"input 1 is longer than the model's {MAX_LENGTH} tokens: "
                                    f"only its first {MAX_LENGTH} were read, as in training"]


@pytest.mark.parametrize("body, status, says", [
    (b'{"inputs": ["good"', 400, "not valid JSON"),
    (b'\xff\xfe', 400, "not valid JSON"),
    (b'["good"]', 400, 'a JSON object {"inputs": [...]}'),
    (b'{"texts": ["good"]}', 400, 'a JSON object {"inputs": [...]}'),
    (b'{"inputs": "good"}', 400, "'inputs' must be a list, not a string"),
    (b'{"inputs": ["good", 3]}', 400, "input 1: this run labels texts"),
    (b'{"inputs": [["good"]]}', 400, "not a list"),
    (b'{"inputs": [{"image": "aGk="}]}', 400, "not an object"),
    (b'{"inputs": []}', 400, "'inputs' is empty"),
    (json.dumps({"inputs": ["good"] * 9}).encode(), 413, "9 inputs is more than this server takes"),
    (json.dumps({"inputs": ["good " * 1000]}).encode(), 413, "the body is larger than"),
])
def test_bad_input_is_a_4xx_with_one_json_line(servers, body, status, says):
    server = servers["torch"]
    reply = server.request("POST", "/predict", body, {"Content-Type": "application/json"})
    assert says in one_line_error(reply, status)
    assert server.get("/health").status == 200  # and the server goes on


def test_a_body_that_is_not_json_or_an_upload(servers):
    server = servers["torch"]
    assert "send application/json" in one_line_error(
        server.request("POST", "/predict", b"good", {"Content-Type": "text/plain"}), 415)
    assert "this run labels texts" in one_line_error(
        server.post_files("/predict", [("a.png", b"\x89PNG")]), 415)
    assert one_line_error(server.get("/nowhere"), 404)
    assert one_line_error(server.request("DELETE", "/predict"), 405)


def test_bad_requests_are_counted(servers):
    server = servers["torch"]
    before = server.metrics()
    server.post_json("/predict", {"inputs": []})
    after = server.metrics()
    key = 'zoo_serve_errors_total{status="400"}'
    assert after[key] == before.get(key, 0) + 1


def test_concurrent_requests_are_answered_by_one_forward_pass(servers, served_run):
    """--max-batch 4 with a minute's wait: four requests at once make one batch of four (the
    batch closes when full), and each gets its own answers."""
    server = servers["batching"]
    replies: dict[int, Reply] = {}

    def send(i: int) -> None:
        replies[i] = server.post_json("/predict", {"inputs": [TEXTS[i % 3]]}, timeout=30)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = {text: p for text, p in zip(TEXTS, predicted(served_run, TEXTS, "--no-bf16"))}
    for i, reply in replies.items():
        assert reply.status == 200, reply.body
        [got] = reply.json()["predictions"]
        want = expected[TEXTS[i % 3]]
        assert got["label"] == want["label"] and got["score"] == pytest.approx(want["score"], abs=1e-4)
    metrics = server.metrics()
    assert (metrics["zoo_serve_batch_size_count"], metrics["zoo_serve_batch_size_sum"]) == (1, 4)
    assert metrics['zoo_serve_batch_size_bucket{le="2.0"}'] == 0
    assert metrics['zoo_serve_requests_total{status="200"}'] == 4


def test_sigterm_answers_every_accepted_request_then_exits_0(served_run):
    """Six requests wait in the batcher (a minute's --max-wait-ms); SIGTERM stops the server
    taking more and answers them at once; it exits 0 and its port is closed."""
    server = ServeProcess(served_run, ["--max-batch", "64", "--max-wait-ms", "60000"]).start()
    try:
        server.wait_ready()
        replies: list[Reply] = []

        def send() -> None:
            replies.append(server.post_json("/predict", {"inputs": TEXTS[:2]}, timeout=30))

        threads = [threading.Thread(target=send) for _ in range(6)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while server.metrics()["zoo_serve_queued_inputs"] < 12:  # all twelve inputs held
            assert time.monotonic() < deadline, "the requests never reached the batcher"
            time.sleep(0.05)
        code, out, err = server.terminate()
        for t in threads:
            t.join()
        assert code == 0, err
        assert [r.status for r in replies] == [200] * 6
        assert all(len(r.json()["predictions"]) == 2 for r in replies)
        assert "Traceback" not in err
        logged = [json.loads(line) for line in err.splitlines()]  # --json: every line an object
        assert sum(e.get("path") == "/predict" and e.get("status") == 200 for e in logged) == 6
        with pytest.raises(ConnectionRefusedError):
            server.get("/health")
    finally:
        server.close()


def test_zoo_serve_help_and_bad_usage_import_no_server_stack(served_run, tmp_path):
    """The CLI checks its arguments before FastAPI, uvicorn or torch load."""
    watched = ("torch", "fastapi", "uvicorn")
    run = run_cli_blocking(["serve", str(tmp_path)], (), watched)
    assert (run.code, run.loaded) == (2, []), run
    assert "is not a zoo run directory" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    run = run_cli_blocking(["serve", str(served_run), "--host", "example.org"], (), watched)
    assert run.code == 2 and "is not an IP address" in run.stderr, run
    run = run_cli_blocking(["list"], (), watched)
    assert (run.code, run.loaded) == (0, []), run


def test_without_the_extra_the_command_names_the_install(served_run):
    run = run_cli_blocking(["serve", str(served_run)], ("fastapi",), ("torch",))
    assert run.code == 2, run
    assert "needs the serve extra, and fastapi is not installed: pip install" in run.stderr
