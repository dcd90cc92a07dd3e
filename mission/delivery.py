"""Delivering the outbox: notices become messages, sent at least once, retried, given up.

`mission tick` delivers once; `mission serve` in a loop beside its timers. Both read the
configuration's `[tool.mission.notify]` and `mission serve`'s accounts (the people, their
groups and email addresses):

1. **Expand.** Each new notice becomes its deliveries (`runtime.outbox`): an email to each
   person it concerns who has an address (those who may answer the step now, less those
   the step refuses by name; for a deadline's decision also whoever started the run; for a
   run's end, whoever started it), and a POST to each webhook whose `events` and `groups`
   take it. A kind the configuration's `events` leave out is sent to no one. A notice
   older than `STALE` when first expanded is not sent (notifications were switched on
   later, or no deliverer ran for a week): an old question is not worth a message now.
2. **Send.** Due deliveries are claimed with a lease of `LEASE` seconds and sent. One
   the receiver accepts is *sent*; one it refuses for good is *dead*; any other failure
   is tried again after an exponential backoff with jitter (`backoff`), and is *dead*
   after `attempts` tries. Dead ones stay in the outbox: `mission notifications` lists
   them, and `retry` sends them again.

A deliverer killed mid-send leaves its claim, which ends with the lease: another
deliverer (or it, restarted) sends the message then. The receiver sees the same
idempotency key each time, so a message is delivered at least once and is a duplicate
only when the sender died between the receiver's acceptance and its own record.
"""

from __future__ import annotations

import hashlib
import os
import random
import secrets
import socket
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission.channels import Permanent, Temporary
from mission.cli import UsageError
from runtime.notices import ASKING
from runtime.orchestration.canonical import canonical_json
from runtime.orchestration.times import later, seconds_between
from runtime.outbox import Delivery, NewDelivery, StoredNotice
from runtime.store_api import RunStoreAPI

if TYPE_CHECKING:
    from compiler.notify_config import NotifyConfig, WebhookConfig
    from mission.accounts import Accounts, User
    from mission.messages import Links

LEASE = 120  # seconds a claimed delivery is this deliverer's
STALE = 7 * 86400  # seconds after which a notice not yet expanded is not sent
BATCH = 20  # notices or deliveries handled at a time
BASE_DELAY = 30  # seconds before the first retry; doubled each time
MAX_DELAY = 3600


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one delivery (or notice), for people: a line, and its state."""

    run_id: int
    state: str  # "sent", "pending" (tried again later), "dead", "skipped", "lost"
    line: str
    channel: str = ""  # "email" or "webhook" ("" for a notice not sent)


def backoff(attempts: int, rng: random.Random) -> int:
    """Seconds to wait after the `attempts`-th failed try: 30 s doubled each time, at most
    an hour, times a random factor from 0.5 to 1 (so deliverers that failed together do
    not all try again together)."""
    delay: int = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempts - 1))
    return max(1, int(delay * rng.uniform(0.5, 1.0)))


def deliverer_id() -> str:
    """Who holds a lease: this host and process, and a random part (a restarted process
    with the same pid is another deliverer)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Deliverer:
    """Delivers the outbox of a store under one configuration's `notify` table, with the
    people of one accounts file (None: no accounts, so no email)."""

    def __init__(self, notify: NotifyConfig, accounts: Path | None,
                 owner: str | None = None, rng: random.Random | None = None) -> None:
        from mission.cron import zone_named

        self.notify = notify
        self.accounts = accounts
        self.owner = owner or deliverer_id()
        self.rng = rng or random.Random()
        self.zone: tzinfo = zone_named(notify.timezone)

    def deliver(self, store: RunStoreAPI, now: str, limit: int = 1000) -> list[Outcome]:
        """Expand the new notices, then send what is due at `now` (at most `limit`)."""
        done = self.expand(store, now)
        while len(done) < limit:
            claimed = store.claim_deliveries(self.owner, now, later(now, LEASE),
                                             min(BATCH, limit - len(done)))
            if not claimed:
                break
            done += [self.send(store, delivery, now) for delivery in claimed]
        return done

    # -- expanding ------------------------------------------------------------------------

    def expand(self, store: RunStoreAPI, now: str) -> list[Outcome]:
        done: list[Outcome] = []
        people = self._people()
        try:
            while notices := store.new_notices(BATCH):
                for notice in notices:
                    if notice.payload is None:
                        reason = "its stored row is damaged"
                    elif notice.at is not None and seconds_between(notice.at, now) > STALE:
                        reason = f"it is from {notice.at}, more than 7 days ago"
                    else:
                        reason = ""
                    found = [] if reason else self.deliveries_for(notice, people)
                    store.expand_notice(notice.notice_id, found, now)
                    if reason:
                        done.append(Outcome(notice.run_id, "skipped",
                                            f"run {notice.run_id}: {notice.kind} notice not "
                                            f"sent: {reason}"))
        finally:
            if people is not None:
                people.close()
        return done

    def _people(self) -> Accounts | None:
        if self.accounts is None or not self.accounts.is_file():
            return None
        from mission.accounts import AccountError, Accounts

        try:
            return Accounts(self.accounts)
        except AccountError as problem:
            raise UsageError(str(problem)) from None

    def deliveries_for(self, notice: StoredNotice, people: Accounts | None
                       ) -> list[NewDelivery]:
        """Who hears of `notice`, through which channel (see the module docstring)."""
        assert notice.payload is not None
        found: list[NewDelivery] = []
        if self.notify.email is not None and notice.kind in self.notify.events \
                and people is not None:
            for user in recipients(notice.kind, notice.payload, people):
                if user.email:
                    found.append(NewDelivery("email", user.name, user.email,
                                             idempotency_key(notice, "email", user.name)))
        group = notice.payload.get("group")
        for hook in self.notify.webhooks:
            if notice.kind in (hook.events or self.notify.events) and (
                    hook.groups is None or group in hook.groups):
                found.append(NewDelivery("webhook", hook.name, "",
                                         idempotency_key(notice, "webhook", hook.name)))
        return found

    # -- sending --------------------------------------------------------------------------

    def send(self, store: RunStoreAPI, delivery: Delivery, now: str) -> Outcome:
        who = f"email to {delivery.recipient} <{delivery.address}>" \
            if delivery.channel == "email" else f"webhook {delivery.recipient}"
        what = f"run {delivery.run_id}: {delivery.kind}: {who}"
        try:
            self._send(delivery, now)
        except Permanent as refused:
            return self._settle(store, delivery, now, "dead", f"{what}: refused, given up: "
                                                               f"{refused}", str(refused))
        except (Temporary, UsageError) as problem:
            if delivery.attempts >= self.notify.attempts:
                return self._settle(store, delivery, now, "dead",
                                    f"{what}: given up after {delivery.attempts} attempts: "
                                    f"{problem}", f"{problem} (after {delivery.attempts} "
                                                  "attempts)")
            retry = later(now, backoff(delivery.attempts, self.rng))
            return self._settle(store, delivery, now, "pending",
                                f"{what}: will try again at {retry}: {problem}", str(problem),
                                retry)
        return self._settle(store, delivery, now, "sent", f"{what}: sent")

    def _settle(self, store: RunStoreAPI, delivery: Delivery, now: str, state: str,
                line: str, error: str | None = None, retry: str | None = None) -> Outcome:
        if not store.settle_delivery(delivery.delivery_id, self.owner, state, now, retry,
                                     error):
            return Outcome(delivery.run_id, "lost", f"{line} (its lease had ended: another "
                                                    "deliverer has it now)", delivery.channel)
        return Outcome(delivery.run_id, state, line, delivery.channel)

    def _send(self, delivery: Delivery, now: str) -> None:
        from mission.channels import email_message, post_webhook, send_email
        from mission.messages import email, webhook_body
        from mission.secret_refs import read_secret

        payload = delivery.payload
        if payload is None:
            raise Permanent("the notice's stored row is damaged")
        if delivery.channel == "email":
            if self.notify.email is None:
                raise Permanent("the configuration sends no email (no [notify.email])")
            written = email(delivery.run_id, payload, self.links(delivery, payload, now),
                            self.zone)
            send_email(self.notify.email, email_message(
                self.notify.email, delivery.address, written.subject, written.text,
                written.html, delivery.key, now))
            return
        hook = self._webhook(delivery.recipient)
        url = hook.url if isinstance(hook.url, str) else \
            read_secret(hook.url, f"the URL of webhook `{hook.name}`")
        secret = read_secret(hook.secret, f"the signing secret of webhook `{hook.name}`") \
            if hook.secret is not None else None
        body = webhook_body(hook.format, delivery.run_id, payload, delivery.key,
                            _at(payload, delivery), self.links(delivery, payload, now, False),
                            self.zone)
        post_webhook(url, body, delivery.key, delivery.kind, secret, now)

    def _webhook(self, name: str) -> WebhookConfig:
        for hook in self.notify.webhooks:
            if hook.name == name:
                return hook
        raise Permanent(f"the configuration has no webhook `{name}` now")

    def links(self, delivery: Delivery, payload: dict[str, Any], now: str,
              personal: bool = True) -> Links:
        """The message's links: the run's page and the step's answer page (with the
        configuration's `url`), and for an email asking its recipient, one answer link
        per answer (with its `link-secret` too)."""
        from mission.messages import Links

        base = self.notify.url
        if base is None:
            return Links()
        step = payload.get("step")
        asking = delivery.kind in ASKING and isinstance(step, str)
        page = f"{base}/runs/{delivery.run_id}/steps/{step}" if asking else None
        answers: tuple[tuple[str, str], ...] = ()
        if personal and asking and self.notify.link_secret is not None:
            from mission.links import Link, link_key, make_token
            from mission.secret_refs import read_secret

            key = link_key(read_secret(self.notify.link_secret, "the link secret"))
            expires = later(now, self.notify.link_lifetime)
            started = (payload.get("run") or {}).get("started_at")
            answers = tuple(
                (label, f"{base}/answer/" + make_token(Link(
                    delivery.run_id, started, str(step), delivery.recipient, value, expires),
                    key)) for label, value in _choices(payload))
        return Links(f"{base}/runs/{delivery.run_id}", page, answers)


def _choices(payload: dict[str, Any]) -> list[tuple[str, Any]]:
    from mission.messages import answer_choices

    question = payload.get("question")
    return answer_choices(question if isinstance(question, dict) else None)


def _at(payload: dict[str, Any], delivery: Delivery) -> str:
    """When the notice's event happened, for a webhook's `occurred_at`."""
    question = payload.get("question") or {}
    since = question.get("waiting_since") if isinstance(question, dict) else None
    return since if isinstance(since, str) else delivery.created_at


def recipients(kind: str, payload: dict[str, Any], people: Accounts) -> list[User]:
    """The people a notice concerns (see the module docstring), by name, each once."""
    run = payload.get("run") or {}
    group = payload.get("group")
    found: list[User] = []
    if kind in ASKING:
        asked = people.members(group) if isinstance(group, str) else people.starters(
            {str(run.get("mission")), str(run.get("name"))})
        question = payload.get("question") or {}
        refused = question.get("may_not_answer") if isinstance(question, dict) else None
        found = [user for user in asked if user.name not in (refused or {})]
    elif kind == "deadline" and isinstance(group, str):
        found = people.members(group)
    starter = run.get("started_by")
    if kind not in ASKING and isinstance(starter, str):
        user = people.user(starter)
        if user is not None:
            found.append(user)
    unique = {user.name: user for user in found}
    return [unique[name] for name in sorted(unique)]


def idempotency_key(notice: StoredNotice, channel: str, recipient: str) -> str:
    """The key a receiver sees for one message, the same at every retry: the run (its id,
    start and mission, so runs of two stores differ), the notice, the channel and the
    recipient."""
    run = (notice.payload or {}).get("run") or {}
    data = [notice.run_id, run.get("started_at"), run.get("mission"), notice.key, channel,
            recipient]
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()[:40]
