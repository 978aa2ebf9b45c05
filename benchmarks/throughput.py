"""GET throughput: 8 client threads GET one contact for a fixed time, in a process of their own.

The load generator runs as a separate Python process (`python -m benchmarks.throughput`), as a real
client would: it does not share the local stack's GIL. Each thread keeps its own keep-alive
`requests.Session` and GETs `/api/v1/contacts/{id}` back to back. Answers completed during the
warm-up are dropped; of those completed in the window after it, the 200s are timed and counted,
anything else is counted by status (or exception name). The child prints JSON on stdout.

    python -m benchmarks.throughput URL CONTACT_ID [--threads 8] [--seconds 10] [--warmup 1]
    (the API key in the environment variable BENCH_API_KEY)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from benchmarks.timing import Sample

THREADS = 8
WARMUP_SECONDS = 1.0
KEY_VARIABLE = "BENCH_API_KEY"
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Throughput:
    threads: int
    warmup: float  # seconds of requests before the window, not counted
    sample: Sample  # wall = the window; latencies of the 200 answers; errors = every other answer


def _client(url: str, key: str, start: float, end: float, out: list[tuple[float, str]]) -> None:
    """GET until `end`; (seconds, "200" or what else came back) for each answer completed after `start`."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    while (sent := time.perf_counter()) < end:
        try:
            outcome = str(session.get(url, timeout=60).status_code)
        except requests.RequestException as error:
            outcome = type(error).__name__
        done = time.perf_counter()
        if start <= done <= end:
            out.append((done - sent, outcome))


def generate(url: str, key: str, threads: int, seconds: float, warmup: float) -> dict[str, Any]:
    start = time.perf_counter() + warmup
    end = start + seconds
    answers: list[list[tuple[float, str]]] = [[] for _ in range(threads)]
    workers = [threading.Thread(target=_client, args=(url, key, start, end, out)) for out in answers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    flat = [answer for out in answers for answer in out]
    return {
        "latencies": [round(seconds, 6) for seconds, outcome in flat if outcome == "200"],
        "errors": Counter(outcome for _, outcome in flat if outcome != "200"),
    }


def measure(base_url: str, key: str, contact_id: str, seconds: float, threads: int = THREADS) -> Throughput:
    """Run the load generator in a child process and read its figures."""
    command = [sys.executable, "-m", "benchmarks.throughput", base_url, contact_id]
    command += ["--threads", str(threads), "--seconds", str(seconds), "--warmup", str(WARMUP_SECONDS)]
    env = {**os.environ, KEY_VARIABLE: key}
    done = subprocess.run(command, env=env, cwd=REPO, check=True, capture_output=True, text=True)
    figures = json.loads(done.stdout)
    sample = Sample(tuple(figures["latencies"]), seconds, Counter(figures["errors"]))
    return Throughput(threads, WARMUP_SECONDS, sample)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.throughput", description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("contact_id")
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=WARMUP_SECONDS)
    args = parser.parse_args()
    url = f"{args.base_url}/api/v1/contacts/{args.contact_id}"
    print(json.dumps(generate(url, os.environ[KEY_VARIABLE], args.threads, args.seconds, args.warmup)))


if __name__ == "__main__":
    main()
