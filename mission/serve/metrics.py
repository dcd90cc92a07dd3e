"""`/healthz` and `/metrics`: is the server usable, and what is it doing (Prometheus).

`/healthz` answers 200 `{"status": "ok"}` when the run store can be opened and read
(its schema version), else 503 `{"status": "unavailable"}`; it needs no sign-in and says
nothing else (a load balancer's or systemd's probe).

`/metrics` gives the Prometheus text format (`prometheus-client`, with a registry of the
server's own, never the process-wide default) to a token of a user in the `admin` or
`monitoring` group. Read from the store at each scrape, so every server on one store
gives the same figures:

- `mission_runs_waiting`: runs waiting for an answer;
- `mission_deadlines_due`, `mission_deadlines_overdue`: deadlines due and not fired, and
  of those the ones due more than `OVERDUE` seconds ago (the timer service is behind);
- `mission_outbox_depth`: notices not yet expanded plus messages not yet sent;
- `mission_deliveries_failed`: messages given up on (dead letters: `mission notifications
  --state dead`);
- `mission_schedule_lag_seconds{schedule}`: from the fire time to the start of the
  schedule's latest run; `mission_schedule_behind_seconds{schedule}`: how long its
  oldest due fire has waited for the scheduler (0 when none waits);

and counted by this server since it started: `mission_answers_total{via}` (answers it
recorded: `page`, `api`, `link`; answers per minute are `rate(mission_answers_total[5m])
* 60`) and `mission_deliveries_total{channel, outcome}` (messages sent, retried, dead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from runtime.orchestration.times import format_instant, later, parse_instant, seconds_between

if TYPE_CHECKING:
    from compiler.config import Config
    from runtime.store_api import RunStoreAPI

OVERDUE = 300  # seconds a deadline may wait for the timer service before it is overdue
MONITORING_GROUP = "monitoring"


class _StoreFigures:
    """The figures read from the store at each scrape (a `prometheus_client` collector)."""

    def __init__(self, read: Callable[[Callable[[RunStoreAPI], Any]], Any],
                 config: Config | None, now: Callable[[], str]) -> None:
        self.read = read
        self.config = config
        self.now = now

    def collect(self) -> Iterator[Metric]:
        now = self.now()
        gauges, fires = self.read(lambda store: (store.gauges(now, later(now, -OVERDUE)),
                                                 store.last_fires()))
        for name, text, value in (
                ("mission_runs_waiting", "Runs waiting for an answer", gauges.waiting),
                ("mission_deadlines_due", "Deadlines due and not fired yet", gauges.due),
                ("mission_deadlines_overdue", f"Deadlines due more than {OVERDUE} s ago and "
                                              "not fired yet", gauges.overdue),
                ("mission_outbox_depth", "Notices not yet expanded and messages not yet sent",
                 gauges.notices + gauges.pending),
                ("mission_deliveries_failed", "Messages given up on (dead letters)",
                 gauges.dead)):
            yield GaugeMetricFamily(name, text, value=value)
        lag = GaugeMetricFamily("mission_schedule_lag_seconds", "Seconds from the fire time "
                                "to the start of the schedule's latest run",
                                labels=["schedule"])
        behind = GaugeMetricFamily("mission_schedule_behind_seconds", "Seconds the oldest due "
                                   "fire of the schedule has waited (0: none waits)",
                                   labels=["schedule"])
        for schedule in (self.config.schedules if self.config is not None else ()):
            fire = fires.get(schedule.name)
            if fire is not None and fire.run_id is not None and fire.at is not None:
                lag.add_metric([schedule.name], seconds_between(fire.fire_at, fire.at))
            behind.add_metric([schedule.name], _behind(schedule, fire, now))
        yield lag
        yield behind


def _behind(schedule: Any, fire: Any, now: str) -> float:
    """How long the first fire after the latest handled one has been due (0: not due)."""
    from mission.cron import CronError
    from mission.scheduler import next_fires

    if fire is None:
        return 0.0
    try:
        upcoming = next_fires(schedule, fire.fire_at, 1)
    except CronError:
        return 0.0
    if not upcoming or upcoming[0] > parse_instant(now):
        return 0.0
    return seconds_between(format_instant(upcoming[0]), now)


class Metrics:
    """The server's registry: the store's figures and its own counters."""

    def __init__(self, read: Callable[[Callable[[RunStoreAPI], Any]], Any],
                 config: Config | None, now: Callable[[], str]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_StoreFigures(read, config, now))
        self.answers = Counter("mission_answers", "Answers this server recorded",
                               ["via"], registry=self.registry)
        self.deliveries = Counter("mission_deliveries", "Messages this server tried to send",
                                  ["channel", "outcome"], registry=self.registry)

    def text(self) -> bytes:
        """The exposition, read now (it reads the store: call it off the event loop)."""
        return generate_latest(self.registry)
