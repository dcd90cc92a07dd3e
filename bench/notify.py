"""Delivering the outbox, and starting the runs of many schedules (docs/performance.md).

    python -m bench.notify [--messages N] [--schedules N] [--postgres | --no-postgres]

1. **Delivery.** `--messages` (2,000) waiting runs, each with its notice, are delivered
   as signed webhooks to a receiver on loopback (an HTTP server in this process that
   answers 200) by 1 and by 2 deliverer processes (`mission.delivery.Deliverer`, what
   `mission serve` and `mission tick` run) on one store, in messages per second from
   their start to the last message received. Baseline, measured in the same run: the
   same number of POSTs sent by one process straight to the receiver (`post_webhook`,
   no store): the ratio says what the outbox costs per message.
2. **Schedule lag.** `--schedules` (1,000) schedules of `echo`, all due at the same
   minute, started by 1 and by 2 scheduler processes (`mission.scheduler.run_schedules`)
   on one store, each process beginning at the fire time: the lag of each run is the
   time from that moment to its start (median, 95th percentile, the last one). Baseline:
   the same number of `echo` runs started by one process straight through the run keeper
   (no schedule): the ratio of the last lag to it is what scheduling adds.

Each on SQLite and, when PostgreSQL is installed, on a PostgreSQL server the bench
starts (`tests/postgres.py`, fsync on).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.records import RunRecord
from runtime.store_api import open_store

NOW = "2026-12-07T09:00:30+00:00"
FIRE = "2026-12-07T09:01:00+00:00"
ROOT = Path(__file__).resolve().parent.parent

_DELIVER = """
import json, sys, time
from compiler.notify_config import NotifyConfig, WebhookConfig
from mission.delivery import Deliverer
from runtime.store_api import open_store
location, url, now = sys.argv[1:4]
notify = NotifyConfig(webhooks=(WebhookConfig("bench", url, None),))
deliverer = Deliverer(notify, None)
sent = 0
with open_store(location) as store:
    while done := deliverer.deliver(store, now, limit=200):
        sent += sum(outcome.state == "sent" for outcome in done)
print(json.dumps({"sent": sent}))
"""

_SCHEDULE = """
import json, sys, time
import mission.scheduler as scheduler
from compiler.config import load_config
from runtime.store_api import open_store
location, configuration, now = sys.argv[1:4]
config = load_config(configuration)
started = time.perf_counter()
lags = []
real_start = scheduler.start_run
def timed(*args, **kwargs):
    found = real_start(*args, **kwargs)
    lags.append(time.perf_counter() - started)
    return found
scheduler.start_run = timed
with open_store(location) as store:
    scheduler.run_schedules(store, config, now)
print(json.dumps({"lags": lags}))
"""


def waiting_record() -> RunRecord:
    from tests.runtime.builders import step, workflow

    ask = step("approve", "confirm", {"prompt": {"lit": "Pay it?"}}, output="state.ok",
               kind="human")
    ask.payload["answered_by"] = "managers"
    work = workflow(ask)
    context = ExecutionContext(started={"at": NOW, "by": "bench"})
    return RunRecord.of("approval", work, context, Orchestrator().run_workflow(work, context),
                        keep_workflow=True)


def python(script: str, *arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *arguments], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(processes: list[subprocess.Popen[str]]) -> list[Any]:
    found = []
    for process in processes:
        out, err = process.communicate(timeout=3600)
        if process.returncode != 0:
            raise SystemExit(f"a bench process failed: {err[-2000:]}")
        found.append(json.loads(out.strip().splitlines()[-1]))
    return found


# -- 1. delivery --------------------------------------------------------------------------

def deliver(location: str, count: int, deliverers: int) -> float:
    """Messages per second, `deliverers` processes delivering `count` notices."""
    from mission.keeping import RunKeeper
    from tests.notify_parts import Receiver

    record = waiting_record()
    with open_store(location) as store:
        for _ in range(count):
            RunKeeper(store).save(record)
    receiver = Receiver(None).start()
    try:
        started = time.perf_counter()
        processes = [python(_DELIVER, location, receiver.url, NOW) for _ in range(deliverers)]
        sent = sum(result["sent"] for result in finished(processes))
        elapsed = time.perf_counter() - started
    finally:
        receiver.stop()
    keys = [request.headers["idempotency-key"] for request in receiver.accepted]
    if sent != count or len(set(keys)) != count or len(keys) != count:
        raise SystemExit(f"{count} messages: {sent} sent, {len(keys)} received, "
                         f"{len(set(keys))} distinct")
    return count / elapsed


def raw_posts(count: int) -> float:
    """POSTs per second straight to the receiver, one process, no store."""
    from mission.channels import post_webhook
    from tests.notify_parts import Receiver

    receiver = Receiver(None).start()
    try:
        started = time.perf_counter()
        for number in range(count):
            post_webhook(receiver.url, {"text": f"message {number}"}, f"k{number}", "waiting",
                         None, NOW)
        return count / (time.perf_counter() - started)
    finally:
        receiver.stop()


# -- 2. schedules -------------------------------------------------------------------------

def schedule_lags(location: str, configuration: Path, servers: int) -> list[float]:
    """The lag of each run started at the fire, `servers` schedulers at once."""
    from compiler.config import load_config
    from mission.scheduler import run_schedules

    config = load_config(configuration)
    with open_store(location) as store:
        run_schedules(store, config, NOW)  # the schedules are seen: they start from now on
    results = finished([python(_SCHEDULE, location, str(configuration), FIRE)
                        for _ in range(servers)])
    lags = sorted(lag for result in results for lag in result["lags"])
    with open_store(location) as store:
        fires = [store.load(item.run_id).record.schedule for item in store.list()]
    started = {(fire["name"], fire["fire_at"]) for fire in fires if fire}
    if len(started) != len(fires) or len(lags) != len(started):
        raise SystemExit(f"{len(fires)} runs for {len(started)} fires, {len(lags)} started")
    return lags


def direct_starts(location: str, count: int) -> float:
    """Seconds to start `count` echo runs straight through the run keeper."""
    from mission.keeping import RunKeeper
    from runtime.orchestration.registry import MISSION_REGISTRY

    work = MISSION_REGISTRY["echo"](None)
    started = time.perf_counter()
    with open_store(location) as store:
        for number in range(count):
            context = ExecutionContext(params={"message": "09:01"},
                                       started={"at": FIRE, "by": f"bench {number}"})
            result = Orchestrator().run_workflow(work, context)
            RunKeeper(store).save(RunRecord.of("echo", work, context, result,
                                               keep_workflow=True))
    return time.perf_counter() - started


def locations(scratch: Path, name: str, postgres: Any) -> list[tuple[str, str]]:
    found = [("SQLite", str(scratch / f"{name}.sqlite3"))]
    if postgres is not None:
        found.append(("PostgreSQL", postgres.create_database(name)))
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notify", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    postgres = None
    if not args.no_postgres:
        from bench.deadlines import _cluster

        postgres = _cluster()
    try:
        with tempfile.TemporaryDirectory(prefix="mission-bench-") as scratch:
            run(Path(scratch), args.messages, args.schedules, postgres)
    finally:
        if postgres is not None:
            postgres.stop()


def run(scratch: Path, messages: int, schedules: int, postgres: Any) -> None:
    raw = raw_posts(messages)
    print(f"baseline: {messages} POSTs straight to the receiver: {raw:.0f}/s", flush=True)
    print("| store | deliverers | messages/s | / baseline |")
    for servers in (1, 2):
        for store_name, location in locations(scratch, f"deliver{servers}", postgres):
            rate = deliver(location, messages, servers)
            print(f"| {store_name} | {servers} | {rate:.0f} | {rate / raw:.2f} |", flush=True)
    configuration = scratch / "mission.toml"
    configuration.write_text("".join(
        f'[schedules.s{number:04d}]\nmission = "echo"\ncron = "* * * * *"\n'
        f'params = {{ message = "{{time}}" }}\n' for number in range(schedules)),
        encoding="utf-8")
    baselines = {name: direct_starts(location, schedules)
                 for name, location in locations(scratch, "direct", postgres)}
    for name, seconds in baselines.items():
        print(f"baseline: {schedules} echo runs started straight ({name}): {seconds:.2f} s",
              flush=True)
    print("| store | servers | median lag s | p95 lag s | last run's lag s | last / baseline |")
    for servers in (1, 2):
        for store_name, location in locations(scratch, f"schedule{servers}", postgres):
            lags = schedule_lags(location, configuration, servers)
            p95 = lags[int(0.95 * (len(lags) - 1))]
            print(f"| {store_name} | {servers} | {statistics.median(lags):.2f} | {p95:.2f} | "
                  f"{lags[-1]:.2f} | {lags[-1] / baselines[store_name]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
