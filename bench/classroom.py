"""Classroom: N learners' sandboxes under a real JupyterHub on this machine, each pressing Check every few seconds.

`python -m bench classroom --learners N [--minutes M] [--interval S]` (defaults: 10 learners, 2 minutes,
a Check every 5 s each). The Hub runs with deploy/jupyterhub/jupyterhub_config.py on loopback ports
(tests/hub.py), its state and every learner's home in a temporary folder; loopback only, bounded in time.

1. One learner alone: spawned through the Hub's REST API, logged in through the Hub's login and
   OAuth like a browser, the tests' 'hello-web' pack uploaded, the lesson and its preview opened;
   then ``--solo`` Checks one after another: the single learner's latency, this run's baseline.
2. The rest of the class arrives ``--parallel`` at a time (default 5): each server is spawned (spawn
   time: the API's POST until the Hub calls the server ready) and set up the same way.
3. Every learner presses Check every ``--interval`` seconds (each starting at a random offset) for
   ``--minutes``: click-to-result latency p50/p95 under that load, and every answer that is not a
   passing result is an error.
Memory per learner is each server's process tree (the sandbox, its check worker, spare and preview)
sampled during the load: RSS (shared pages counted in each process) and PSS (shared pages split).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench._util import FIXTURE_PACK, HELLO_APP, HELLO_STEP, descendants, pct, rss_kb
from tests.hub import Hub, HubUser

SOLO_CHECKS = 20


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench classroom")
    parser.add_argument("--learners", type=int, default=10, help="how many learners (default 10)")
    parser.add_argument("--minutes", type=float, default=2.0, help="how long the class works (default 2)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between one learner's Checks (default 5)")
    parser.add_argument("--solo", type=int, default=SOLO_CHECKS, help="Checks of the lone learner (default 20)")
    parser.add_argument("--parallel", type=int, default=5,
                        help="servers started at the same time, as a class arrives (default 5)")
    return parser.parse_args(argv)


def pss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def tree_kb(pid: int, measure) -> int:
    return sum(measure(p) or 0 for p in [pid, *descendants(pid)])


class Learner:
    """One learner's browser over HTTP, with their Check latencies and errors."""

    def __init__(self, hub: Hub, name: str):
        self.hub = hub
        self.name = name
        self.user = HubUser(hub, name)
        self.spawn_seconds: float | None = None
        self.pid: int | None = None
        self.times: list[float] = []
        self.errors: list[str] = []

    def spawn(self) -> None:
        self.spawn_seconds = self.hub.spawn(self.name)
        self.pid = self.hub.server_pid(self.name)

    def set_up(self, archive: Path) -> None:
        """Log in, upload the pack, open the lesson (its page's visit) and its preview, check once."""
        self.user.login().open_sandbox()
        status, body, _ = self.user.upload_pack(archive)
        if status != 200:
            raise RuntimeError(f"{self.name}: installing the pack answered {status}: {body[:200]}")
        status, _, _ = self.user.get(HELLO_STEP)
        if status != 200:
            raise RuntimeError(f"{self.name}: the lesson page answered {status}")
        self.user.post(HELLO_STEP + "/visit")
        self.user.post(HELLO_STEP + "/preview")
        for _ in range(2):  # the warm worker may still be starting
            self.check(record=False)

    def check(self, record: bool = True) -> None:
        started = time.perf_counter()
        try:
            status, body, _ = self.user.post(HELLO_STEP + "/check", {"file:app.py": HELLO_APP},
                                             headers={"HX-Request": "true"})
        except OSError as exc:
            status, body = 0, repr(exc)
        elapsed = (time.perf_counter() - started) * 1000
        if not record:
            return
        self.times.append(elapsed)
        if status != 200 or "All checks passed" not in body:
            self.errors.append(f"{self.name}: {status} {body[:160]!r}")

    def work(self, until: float, interval: float) -> None:
        time.sleep(random.uniform(0, interval))
        next_at = time.monotonic()
        while next_at < until:
            self.check()
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))


def memory(learners: list[Learner]) -> dict[str, list[float]]:
    return {"rss_mb": [tree_kb(lr.pid, rss_kb) / 1024 for lr in learners],
            "pss_mb": [tree_kb(lr.pid, pss_kb) / 1024 for lr in learners]}


def run(argv: list[str] | None = None) -> dict:
    options = parse(argv or [])
    from sandbox.packs.build import build_pack

    names = [f"learner-{n:02d}" for n in range(1, options.learners + 1)]
    with tempfile.TemporaryDirectory(prefix="bench-classroom-") as tmp:
        archive = build_pack(FIXTURE_PACK, Path(tmp) / "hello-web.zip")
        with Hub(Path(tmp) / "hub", groups={"class-1": names}) as hub:
            learners = [Learner(hub, name) for name in names]
            hub_base = tree_kb(hub.proc.pid, rss_kb) / 1024

            solo = learners[0]
            solo.spawn()
            solo.set_up(archive)
            for _ in range(options.solo):
                solo.check()
            solo_times, solo.times = solo.times, []
            solo_errors = list(solo.errors)
            print(f"one learner alone: spawn {solo.spawn_seconds:.1f} s, Check p50 {pct(solo_times, 50):.0f} ms, "
                  f"p95 {pct(solo_times, 95):.0f} ms", flush=True)

            rest = learners[1:]
            with ThreadPoolExecutor(max_workers=max(1, options.parallel)) as pool:
                list(pool.map(lambda lr: (lr.spawn(), lr.set_up(archive)), rest))
            spawns = [lr.spawn_seconds for lr in learners]
            print(f"{len(rest)} more, {options.parallel} at a time: spawn p50 {pct(spawns, 50):.1f} s, "
                  f"max {max(spawns):.1f} s", flush=True)

            until = time.monotonic() + options.minutes * 60
            samples: list[dict] = []

            def sample() -> None:
                while time.monotonic() < until - 5:
                    time.sleep(min(30.0, options.minutes * 20))
                    samples.append(memory(learners))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            threads = [threading.Thread(target=lr.work, args=(until, options.interval)) for lr in learners]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            samples.append(memory(learners))
            hub_end = (tree_kb(hub.proc.pid, rss_kb) - sum(tree_kb(lr.pid, rss_kb) for lr in learners)) / 1024
            alive = all(lr.pid and Path(f"/proc/{lr.pid}").exists() for lr in learners)

    load = [t for lr in learners for t in lr.times]
    errors = solo_errors + [e for lr in learners for e in lr.errors]
    per_learner_rss = [max(s["rss_mb"][i] for s in samples) for i in range(len(learners))]
    per_learner_pss = [max(s["pss_mb"][i] for s in samples) for i in range(len(learners))]
    results = {
        "learners": options.learners, "minutes": options.minutes, "interval_s": options.interval,
        "spawn_parallel": options.parallel,
        "spawn_p50_s": pct(spawns, 50), "spawn_max_s": max(spawns), "spawn_solo_s": solo.spawn_seconds,
        "memory_per_learner_rss_mb": statistics.mean(per_learner_rss),
        "memory_per_learner_rss_max_mb": max(per_learner_rss),
        "memory_per_learner_pss_mb": statistics.mean(per_learner_pss),
        "hub_proxy_service_rss_mb_start": hub_base, "hub_proxy_service_rss_mb_end": hub_end,
        "check_solo_p50_ms": pct(solo_times, 50), "check_solo_p95_ms": pct(solo_times, 95),
        "check_load_p50_ms": pct(load, 50), "check_load_p95_ms": pct(load, 95),
        "checks_under_load": len(load), "errors": len(errors), "error_samples": errors[:5],
        "servers_alive_at_end": alive,
    }
    results["load_over_solo_p50"] = results["check_load_p50_ms"] / results["check_solo_p50_ms"]
    results["load_over_solo_p95"] = results["check_load_p95_ms"] / results["check_solo_p95_ms"]
    print(f"{options.learners} learners, a Check every {options.interval:g} s each for {options.minutes:g} min: "
          f"{len(load)} Checks, p50 {results['check_load_p50_ms']:.0f} ms, p95 {results['check_load_p95_ms']:.0f} ms "
          f"({results['load_over_solo_p50']:.1f} x / {results['load_over_solo_p95']:.1f} x the lone learner's), "
          f"{len(errors)} errors")
    print(f"memory per learner: RSS {results['memory_per_learner_rss_mb']:.0f} MB "
          f"(max {results['memory_per_learner_rss_max_mb']:.0f} MB), PSS {results['memory_per_learner_pss_mb']:.0f} MB; "
          f"the Hub, proxy and classroom service: {hub_end:.0f} MB")
    return results
