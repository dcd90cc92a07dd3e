"""The Starlette application: server-rendered pages under `/`, a JSON API under `/api/`.

Pages sign in with a user name and password (or token) and keep a session
cookie (`HttpOnly`, `SameSite=Strict`, `Secure` unless `--insecure-cookies`);
every form carries the session's CSRF token, and a POST without it is refused.
The API takes `Authorization: Bearer TOKEN`. A request that is not signed in
gets 401, one that is not allowed 403; neither writes anything. Every page
works without JavaScript (there is none) and sends a strict
Content-Security-Policy.

Handlers read the request, then do the store work in a worker thread
(`run_in_threadpool`), where SQLite's blocking calls belong. The timer service
runs in the application's lifespan: every `tick` seconds, in a worker thread,
it fires the deadlines and reminders that are due (`mission.timers`), one log
line each.

Times: data (the API) carries the recorded ISO 8601 instants (UTC, with their
offset); pages write them in the server's zone, named ("2026-12-01 10:00 CET"),
with how long ago or until ("waiting 3 hours", "due in 2 hours", "overdue 1
hour"), measured on the server's clock (`mission.acting`).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from jinja2 import Environment
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from mission.accounts import Accounts, Session, User
from mission.acting import Clock, SystemClock
from mission.advance import Refusal
from mission.links import LinkRefused, read_token
from mission.serve.catalogue import Mission
from mission.serve.forms import form_field_errors, render_form_fields, widget
from mission.serve.metrics import MONITORING_GROUP, Metrics
from mission.serve.openapi import openapi_description
from mission.serve.runs import (
    MAX_REASON,
    Runs,
    answer_refusal,
    may_cancel,
    mission_title,
    stored_workflow,
)
from mission.when import due_text, is_overdue, shown_time, waited_text
from runtime.listing import RunListing, RunQuery, asked_group, mission_name
from runtime.outbox import DELIVERY_STATES
from runtime.records import STATUSES as STATUSES_FOR_FILTER
from runtime.records import RunRecord

if TYPE_CHECKING:
    from compiler.config import Config
    from mission.report import RunView, WaitFacts

MAX_BODY = 1024 * 1024  # bytes: a form or JSON body larger than this is refused (413)
_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")
_TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True, slots=True)
class Settings:
    store: str  # the run store's location: a path, sqlite:///PATH or postgresql://...
    accounts: Path
    catalogue: dict[str, Mission]
    secure_cookies: bool = True
    request_timeout: float = 10.0  # seconds a request's body may take to arrive
    clock: Clock = field(default_factory=SystemClock)  # `mission.acting.the_clock()`
    zone: tzinfo = UTC  # the pages' time zone (`--timezone`)
    tick: float | None = None  # seconds between timer runs; None: no timers here
    # The configuration whose schedules and notifications this server runs (`--config`).
    config: Config | None = None
    schedules: bool = False  # start the schedules' runs here (`--no-schedules`: not)
    notify: bool = False  # deliver the notifications here (`--no-notify`: not)
    link_key: bytes | None = None  # checks answer links (None: none are configured)
    accounts_for_delivery: Path | None = None  # whose addresses messages go to

    @property
    def session_cookie(self) -> str:
        return "__Host-mission-session" if self.secure_cookies else "mission-session"

    @property
    def login_cookie(self) -> str:
        return "__Host-mission-login" if self.secure_cookies else "mission-login"


class _ServedClock:
    """The server's clock; a virtual one that cannot be read (`MISSION_NOW=@FILE` whose
    file is gone) refuses the request with 503 instead of failing it."""

    def __init__(self, inner: Clock) -> None:
        self.inner = inner

    def now(self) -> str:
        from mission.acting import ClockError

        try:
            return self.inner.now()
        except ClockError as problem:
            raise Refusal(503, str(problem)) from None


class _Connections(threading.local):
    accounts: Accounts | None = None


def template_environment(zone: tzinfo = UTC) -> Environment:
    """The pages' templates: autoescaped, with the filters and the form renderer they use;
    `when` writes a recorded instant in `zone`, named."""
    from mission.pages import environment as pages

    environment = pages(_TEMPLATES)  # serve's own, then the run's (mission/templates)
    environment.filters["pretty"] = _pretty
    environment.filters["when"] = lambda instant: shown_time(instant, zone)
    environment.globals.update(form_fields=_form_fields, waited=waited_text, due=due_text,
                               overdue=is_overdue)
    return environment


def _form_fields(question: Mapping[str, Any], given: Any) -> Markup:
    """A form question's inputs, refilled with what was sent and each bad field's message
    (the engine's own); `render_form_fields` escapes every text itself."""
    sent = given if isinstance(given, dict) else None
    errors = form_field_errors(question, sent) if sent is not None else None
    return Markup(render_form_fields(question, sent, errors))


def create_app(settings: Settings) -> Starlette:
    """The application over `settings.store`; the routes are listed in `openapi.py` too."""
    environment = template_environment(settings.zone)
    clock = _ServedClock(settings.clock)
    runs = Runs(settings.store, settings.catalogue, clock)
    local = _Connections()
    metrics = Metrics(runs.read, settings.config, clock.now)
    background = _Background()

    def accounts() -> Accounts:
        if local.accounts is None:
            local.accounts = Accounts(settings.accounts)
        return local.accounts

    # -- helpers ------------------------------------------------------------------------

    def page(template: str, session: Session | None, status: int = 200,
             **values: Any) -> HTMLResponse:
        text = environment.get_template(template).render(session=session, **values)
        return HTMLResponse(text, status_code=status, headers=_page_headers())

    def problem_page(session: Session | None, refusal: Refusal) -> HTMLResponse:
        return page("error.html", session, refusal.status, message=refusal.message,
                    code=refusal.status, heading=_HEADINGS.get(refusal.status))

    async def session_of(request: Request) -> Session | None:
        session_id = request.cookies.get(settings.session_cookie)
        if not session_id:
            return None
        return await run_in_threadpool(accounts().session, session_id)

    def login_redirect(request: Request) -> HTMLResponse:
        """401 with the sign-in form, which comes back here after signing in."""
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return login_form(None, target, 401)

    def login_form(message: str | None, target: str, status: int) -> HTMLResponse:
        nonce = secrets.token_urlsafe(24)
        response = page("login.html", None, status, message=message, next=target, nonce=nonce)
        response.set_cookie(settings.login_cookie, nonce, max_age=1800, path="/",
                            secure=settings.secure_cookies, httponly=True, samesite="strict")
        return response

    async def form_of(request: Request, session: Session) -> dict[str, str]:
        """The submitted form, after the CSRF check (a 403 `Refusal` without a good token)."""
        form = await _form(request, settings.request_timeout)
        if not hmac.compare_digest(form.get("csrf", ""), session.csrf):
            raise Refusal(403, "the form's security token is missing or stale: reload the page "
                               "and submit again")
        return form

    PageHandler = Callable[[Request, Session], Awaitable[Response]]

    def signed_in(handler: PageHandler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session = await session_of(request)
            if session is None:
                return login_redirect(request)
            try:
                return await handler(request, session)
            except Refusal as refusal:
                return problem_page(session, refusal)
        return endpoint

    ApiHandler = Callable[[Request, User], Awaitable[Response]]

    def api(handler: ApiHandler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            user = None
            if scheme.lower() == "bearer" and token.strip():
                user = await run_in_threadpool(accounts().by_token, token.strip())
            if user is None:
                return _json_error(401, "sign in: send `Authorization: Bearer TOKEN` (an admin "
                                        "makes one with `mission users token NAME`)",
                                   {"WWW-Authenticate": 'Bearer realm="mission"'})
            try:
                return await handler(request, user)
            except Refusal as refusal:
                return _json_error(refusal.status, refusal.message, field=refusal.field)
        return endpoint

    # -- signing in ---------------------------------------------------------------------

    async def login_get(request: Request) -> Response:
        return login_form(None, _local_target(request.query_params.get("next")), 200)

    async def login_post(request: Request) -> Response:
        try:
            form = await _form(request, settings.request_timeout)
        except Refusal as refusal:
            return problem_page(None, refusal)
        target = _local_target(form.get("next"))
        nonce = request.cookies.get(settings.login_cookie, "")
        if not nonce or not hmac.compare_digest(form.get("nonce", ""), nonce):
            return login_form("The sign-in form was stale; please sign in again.", target, 403)
        name, password = form.get("user", "").strip(), form.get("password", "")
        client = request.client.host if request.client else "unknown"
        keys = [f"user:{name}", f"ip:{client}"]

        def check() -> tuple[str, User | None]:
            store = accounts()
            if not store.attempt(keys):  # counted before it is checked, atomically
                return "locked", None
            user = store.check_password(name, password) if name and password else None
            if user is None:
                return "wrong", None
            store.signed_in(keys)
            return "ok", user

        outcome, user = await run_in_threadpool(check)
        if outcome == "locked":
            response = login_form("Too many failed sign-ins: wait a few minutes, then try "
                                  "again.", target, 429)
            response.headers["Retry-After"] = "300"
            return response
        if user is None:
            return login_form("Wrong user name or password.", target, 401)
        session_id = await run_in_threadpool(accounts().new_session, user)
        redirect = RedirectResponse(target, status_code=303)
        redirect.set_cookie(settings.session_cookie, session_id, path="/", httponly=True,
                            secure=settings.secure_cookies, samesite="strict",
                            max_age=8 * 3600)
        redirect.delete_cookie(settings.login_cookie, path="/", secure=settings.secure_cookies,
                               httponly=True, samesite="strict")
        return redirect

    async def logout(request: Request, session: Session) -> Response:
        await form_of(request, session)
        session_id = request.cookies.get(settings.session_cookie, "")
        await run_in_threadpool(accounts().end_session, session_id)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(settings.session_cookie, path="/", secure=settings.secure_cookies,
                               httponly=True, samesite="strict")
        return response

    # -- pages --------------------------------------------------------------------------

    async def inbox(request: Request, session: Session) -> Response:
        waiting = await run_in_threadpool(runs.inbox, session.user, accounts())
        return page("inbox.html", session, waiting=waiting, now=clock.now())

    async def listed(request: Request, limit: int) -> tuple[list[RunListing], dict[str, str],
                                                              str | None]:
        """A page of the runs the request's filters ask for, newest first; the filters as
        given; and the link to the next page (None on the last)."""
        query, chosen = _run_query(request.query_params, settings.zone, limit + 1)
        rows = await run_in_threadpool(runs.query, query)
        if len(rows) <= limit:
            return rows, chosen, None
        rows = rows[:limit]
        return rows, chosen, f"{request.url.path}?" \
                             f"{_with_cursor(request.query_params, rows[-1].run_id)}"

    async def run_list(request: Request, session: Session) -> Response:
        rows, chosen, older = await listed(request, PAGE_SIZE)
        names = sorted({mission_name_of(m) for m in settings.catalogue.values()})
        return page("runs.html", session, 200, rows=rows, chosen=chosen,
                    statuses=STATUSES_FOR_FILTER, names=names, older=older,
                    now=clock.now())

    async def run_page(request: Request, session: Session) -> Response:
        run_id = _run_id(request)
        stored = await run_in_threadpool(runs.load, run_id)
        record = stored.record
        now = clock.now()
        view = await run_in_threadpool(_run_view, record, settings.zone)
        wait = _wait_facts(record, run_id, settings.zone, now)
        refused = may = None
        if record.status == "waiting":
            refused = await run_in_threadpool(answer_refusal, session.user, accounts(), record)
            may = refused is None
        return page("run.html", session, 200, run_id=run_id, record=record, run=view,
                    wait=wait, name=mission_name(record), group=asked_group(record),
                    may_answer=may, refused=refused,
                    may_cancel=record.status == "waiting" and may_cancel(session.user, record),
                    cancel=_cancel_event(record), now=now)

    async def answer_get(request: Request, session: Session) -> Response:
        run_id, step_id = _run_id(request), request.path_params["step"]
        return await answer_page(session, run_id, step_id, None, None, 200)

    async def answer_page(session: Session, run_id: int, step_id: str, error: Refusal | None,
                          given: Any, status: int) -> Response:
        stored = await run_in_threadpool(runs.load, run_id)
        record = stored.record
        if record.status != "waiting" or record.waiting_step_id != step_id:
            by = record.answered_by.get(step_id)
            message = (f"Step `{step_id}` of run {run_id} was already answered"
                       f"{' by ' + by if by else ''}." if step_id in record.answers else
                       f"Run {run_id} is not waiting for step `{step_id}`.")
            raise Refusal(409 if error is None or error.status == 409 else error.status,
                          error.message if error is not None else message)
        question = dict(record.question or {})
        refused = await run_in_threadpool(answer_refusal, session.user, accounts(), record)
        if refused is not None:
            raise Refusal(403, refused)
        return page("answer.html", session, status, run_id=run_id, record=record,
                    question=question, widget=widget(question).template,
                    group=asked_group(record), name=mission_name(record),
                    wait=_wait_facts(record, run_id, settings.zone, clock.now()),
                    error=error.message if error is not None else None, given=given,
                    now=clock.now())

    async def answer_post(request: Request, session: Session) -> Response:
        run_id, step_id = _run_id(request), request.path_params["step"]
        form = await form_of(request, session)
        stored = await run_in_threadpool(runs.load, run_id)
        question = stored.record.question or {}
        value = widget(question).read(form)
        try:
            await run_in_threadpool(runs.answer, session.user, accounts(), run_id, step_id,
                                    value)
        except Refusal as refusal:
            if refusal.status != 422:
                raise
            return await answer_page(session, run_id, step_id, refusal, value, 422)
        answered("page")
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    async def cancel_get(request: Request, session: Session) -> Response:
        run_id = _run_id(request)
        record = (await run_in_threadpool(runs.load, run_id)).record
        _cancellable(session.user, record, run_id)
        return page("cancel.html", session, run_id=run_id, record=record,
                    name=mission_name(record), error=None, reason="", limit=MAX_REASON)

    async def cancel_post(request: Request, session: Session) -> Response:
        run_id = _run_id(request)
        form = await form_of(request, session)
        reason = form.get("reason", "")
        try:
            await run_in_threadpool(runs.cancel, session.user, run_id, reason)
            background.wake()
        except Refusal as refusal:
            if refusal.status != 422:
                raise
            record = (await run_in_threadpool(runs.load, run_id)).record
            return page("cancel.html", session, 422, run_id=run_id, record=record,
                        name=mission_name(record), error=refusal.message, reason=reason,
                        limit=MAX_REASON)
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    async def start_list(request: Request, session: Session) -> Response:
        allowed = await run_in_threadpool(
            lambda: [m for m in settings.catalogue.values()
                     if accounts().may_start(session.user, m.name)])
        return page("start_list.html", session, missions=allowed)

    async def start_get(request: Request, session: Session) -> Response:
        mission = _mission(settings, request.path_params["mission"])
        return page("start.html", session, mission=mission, values={}, error=None, field=None)

    async def start_post(request: Request, session: Session) -> Response:
        mission = _mission(settings, request.path_params["mission"])
        form = await form_of(request, session)
        values = {name: form.get(f"param.{name}", "") for name in mission.params}
        try:
            params = _params_from_form(mission, values)
            state = _state_from_form(form.get("state", ""))
            run_id, _ = await run_in_threadpool(runs.start, session.user, accounts(),
                                                mission.name, params, state)
            background.wake()
        except Refusal as refusal:
            if refusal.status != 422:
                raise
            return page("start.html", session, 422, mission=mission, values=values,
                        error=refusal.message, field=refusal.field, state=form.get("state", ""))
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    async def style(request: Request) -> Response:
        from mission.pages import STYLE

        text = STYLE.read_text(encoding="utf-8") + (_TEMPLATES / "serve.css").read_text(
            encoding="utf-8")
        return Response(text, media_type="text/css", headers=_page_headers())

    def answered(via: str) -> None:
        """An answer was recorded (through a page, the API or a link): count it, and let
        the deliverer send what it caused now."""
        metrics.answers.labels(via).inc()
        background.wake()

    # -- answer links, health, metrics, the outbox ---------------------------------------

    async def linked(request: Request) -> tuple[Any, RunRecord, User]:
        """The link a request's token is, its run and its person, if it answers now."""
        if settings.link_key is None:
            raise Refusal(404, "This server has no answer links (no `link-secret` in its "
                               "[tool.mission.notify]).")
        try:
            link = read_token(request.path_params["token"], settings.link_key, clock.now())
        except LinkRefused as refused:
            raise Refusal(410 if refused.reason == "expired" else 403,
                          refused.message) from None
        record, user = await run_in_threadpool(runs.linked, link, accounts())
        return link, record, user

    def link_page(template: str, status: int, **values: Any) -> HTMLResponse:
        response = page(template, None, status, **values)
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    async def link_get(request: Request) -> Response:
        """The confirmation an answer link opens: a GET never answers (mail scanners and
        chat previews follow links); its form POSTs the answer."""
        try:
            link, record, user = await linked(request)
        except Refusal as refusal:
            return link_page("error.html", refusal.status, message=refusal.message,
                             code=refusal.status, heading=_LINK_HEADINGS.get(refusal.status))
        return link_page("link.html", 200, link=link, record=record, user=user,
                         request_token=request.path_params["token"],
                         question=record.question or {}, name=mission_title(record),
                         shown=_shown_answer(link.answer))

    async def link_post(request: Request) -> Response:
        try:
            form = await _form(request, settings.request_timeout)
            if form.get("confirm") != "yes":
                raise Refusal(400, "This form answers only when its button is pressed: open "
                                   "the link again and press the button.")
            link, _, user = await linked(request)
            done = await run_in_threadpool(runs.answer, user, accounts(), link.run_id,
                                           link.step, link.answer)
        except Refusal as refusal:
            return link_page("error.html", refusal.status, message=refusal.message,
                             code=refusal.status, heading=_LINK_HEADINGS.get(refusal.status))
        answered("link")
        return link_page("link_done.html", 200, link=link, user=user, record=done,
                         name=mission_title(done), shown=_shown_answer(link.answer))

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(runs.read, lambda store: store.schema_version())
        except Refusal:
            return JSONResponse({"status": "unavailable"}, status_code=503,
                                headers={"Cache-Control": "no-store"})
        return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})

    async def metrics_text(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        user = await run_in_threadpool(accounts().by_token, token.strip()) \
            if scheme.lower() == "bearer" and token.strip() else None
        if user is None:
            return Response("sign in: Authorization: Bearer TOKEN (of a user in the admin or "
                            "monitoring group)\n", status_code=401, media_type="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="mission"'})
        if not (user.is_admin or MONITORING_GROUP in user.groups):
            return Response(f"{user.name} may not read the metrics (groups admin and "
                            f"{MONITORING_GROUP} may)\n", status_code=403,
                            media_type="text/plain")
        try:
            text = await run_in_threadpool(metrics.text)
        except Refusal as refusal:
            return Response(f"{refusal.message}\n", status_code=503, media_type="text/plain")
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    def outbox_admin(user: User) -> None:
        if not user.is_admin:
            raise Refusal(403, f"{user.name} may not see the outbox: admins may")

    async def outbox_page(request: Request, session: Session) -> Response:
        outbox_admin(session.user)
        state = request.query_params.get("state") or None
        if state is not None and state not in DELIVERY_STATES:
            raise Refusal(400, f"`state` is one of {', '.join(DELIVERY_STATES)}, not {state!r}")
        found = await run_in_threadpool(runs.read, lambda store: store.deliveries(
            state, PAGE_SIZE))
        return page("notifications.html", session, deliveries=found, state=state or "",
                    states=DELIVERY_STATES)

    async def outbox_retry(request: Request, session: Session) -> Response:
        outbox_admin(session.user)
        form = await form_of(request, session)
        ids = None if form.get("all") == "dead" else [_delivery_id(form.get("id", ""))]
        await run_in_threadpool(runs.read, lambda store: store.retry_deliveries(
            ids, clock.now()))
        background.wake()
        return RedirectResponse("/notifications?state=dead", status_code=303)

    async def api_outbox(request: Request, user: User) -> Response:
        outbox_admin(user)
        state = request.query_params.get("state") or None
        if state is not None and state not in DELIVERY_STATES:
            raise Refusal(400, f"`state` is one of {', '.join(DELIVERY_STATES)}, not {state!r}")
        before = request.query_params.get("before")
        found = await run_in_threadpool(runs.read, lambda store: store.deliveries(
            state, _limit(request.query_params.get("limit")),
            _delivery_id(before) if before else None))
        return JSONResponse({"notifications": [delivery.to_json() for delivery in found]})

    async def api_outbox_retry(request: Request, user: User) -> Response:
        outbox_admin(user)
        body = await _json_body(request, settings.request_timeout)
        ids = body.get("ids")
        if ids != "dead" and (not isinstance(ids, list) or not all(
                type(item) is int for item in ids)):
            raise Refusal(422, "send {\"ids\": [ID, ...]} or {\"ids\": \"dead\"} (every "
                               "dead message)", "ids")
        count = await run_in_threadpool(runs.read, lambda store: store.retry_deliveries(
            None if ids == "dead" else ids, clock.now()))
        background.wake()
        return JSONResponse({"retried": count})

    # -- the API ------------------------------------------------------------------------

    async def api_list(request: Request, user: User) -> Response:
        rows, _, after = await listed(request, _limit(request.query_params.get("limit")))
        return JSONResponse({"runs": [row.to_json() for row in rows], "next": after})

    async def api_start(request: Request, user: User) -> Response:
        body = await _json_body(request, settings.request_timeout)
        mission = body.get("mission")
        params, state = body.get("params", {}), body.get("state", {})
        if not isinstance(mission, str):
            raise Refusal(422, "`mission` must be the name of a mission (see GET /api/missions)",
                          "mission")
        if not isinstance(params, dict) or not isinstance(state, dict):
            raise Refusal(422, "`params` and `state` must be JSON objects")
        run_id, record = await run_in_threadpool(runs.start, user, accounts(), mission, params,
                                                 state)
        background.wake()
        return JSONResponse(_run_json(run_id, record), status_code=201,
                            headers={"Location": f"/api/runs/{run_id}"})

    async def api_missions(request: Request, user: User) -> Response:
        return JSONResponse({"missions": [
            {"name": m.name, "title": m.title, "params": m.params,
             "may_start": accounts().may_start(user, m.name)}
            for m in settings.catalogue.values()]})

    async def api_get(request: Request, user: User) -> Response:
        run_id = _run_id(request)
        stored = await run_in_threadpool(runs.load, run_id)
        return JSONResponse(_run_json(run_id, stored.record))

    async def api_answer(request: Request, user: User) -> Response:
        run_id = _run_id(request)
        body = await _json_body(request, settings.request_timeout)
        step = body.get("step")
        if not isinstance(step, str) or "answer" not in body:
            raise Refusal(422, "send {\"step\": STEP_ID, \"answer\": VALUE}")
        record = await run_in_threadpool(runs.answer, user, accounts(), run_id, step,
                                         body["answer"])
        answered("api")
        return JSONResponse(_run_json(run_id, record))

    async def api_cancel(request: Request, user: User) -> Response:
        run_id = _run_id(request)
        body = await _json_body(request, settings.request_timeout)
        reason = body.get("reason")
        if not isinstance(reason, str):
            raise Refusal(422, "send {\"reason\": TEXT}: why the run is cancelled", "reason")
        record = await run_in_threadpool(runs.cancel, user, run_id, reason)
        background.wake()
        return JSONResponse(_run_json(run_id, record))

    async def api_receipt(request: Request, user: User) -> Response:
        from runtime.records import receipt_file_data

        run_id = _run_id(request)
        stored = await run_in_threadpool(runs.load, run_id)
        return JSONResponse(receipt_file_data(stored.record))

    async def api_verify(request: Request, user: User) -> Response:
        run_id = _run_id(request)
        stored = await run_in_threadpool(runs.load, run_id)
        record = stored.record
        problems = await run_in_threadpool(_verify, record, run_id)
        return JSONResponse({"run_id": run_id, "verified": not problems,
                             "differences": [{"what": p.what, "detail": p.detail}
                                             for p in problems],
                             "answered_by": record.answered_by})

    async def api_openapi(request: Request) -> Response:
        return JSONResponse(openapi_description())

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return _json_error(404, f"no such endpoint: {request.method} {request.url.path} "
                                    "(see /api/openapi.json)")
        return page("error.html", None, 404, message="There is no such page.")

    async def not_allowed(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if request.method == "DELETE" and path.startswith("/api/runs/"):
            return _json_error(405, "a run is never deleted: every run stays readable and "
                                    "verifiable. Withdraw a waiting run with POST "
                                    f"{path.rstrip('/')}/cancel and {{\"reason\": TEXT}}",
                               {"Allow": "GET"})
        return _json_error(405, f"{request.method} is not allowed on {path}")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        background.start()
        every = settings.tick or DEFAULT_TICK
        loops: list[Coroutine[Any, Any, None]] = []
        if settings.tick is not None:
            loops.append(_timer_loop(runs, settings.tick, background))
        if settings.schedules and settings.config is not None and settings.config.schedules:
            loops.append(_scheduler_loop(runs, settings.config, every, background))
        if settings.notify and settings.config is not None \
                and settings.config.notify is not None:
            from mission.delivery import Deliverer

            deliverer = Deliverer(settings.config.notify, settings.accounts_for_delivery)
            loops.append(_delivery_loop(runs, deliverer, every, background, metrics))
        tasks = [asyncio.create_task(loop) for loop in loops]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    routes = [
        Route("/", signed_in(inbox)),
        Route("/login", login_get, methods=["GET"]),
        Route("/login", login_post, methods=["POST"]),
        Route("/logout", signed_in(logout), methods=["POST"]),
        Route("/style.css", style),
        Route("/runs", signed_in(run_list)),
        Route("/runs/{run_id}", signed_in(run_page)),
        Route("/runs/{run_id}/steps/{step}", signed_in(answer_get), methods=["GET"]),
        Route("/runs/{run_id}/steps/{step}", signed_in(answer_post), methods=["POST"]),
        Route("/runs/{run_id}/cancel", signed_in(cancel_get), methods=["GET"]),
        Route("/runs/{run_id}/cancel", signed_in(cancel_post), methods=["POST"]),
        Route("/start", signed_in(start_list)),
        Route("/start/{mission}", signed_in(start_get), methods=["GET"]),
        Route("/start/{mission}", signed_in(start_post), methods=["POST"]),
        Route("/answer/{token}", link_get, methods=["GET"]),
        Route("/answer/{token}", link_post, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/metrics", metrics_text),
        Route("/notifications", signed_in(outbox_page), methods=["GET"]),
        Route("/notifications/retry", signed_in(outbox_retry), methods=["POST"]),
        Route("/api/notifications", api(api_outbox), methods=["GET"]),
        Route("/api/notifications/retry", api(api_outbox_retry), methods=["POST"]),
        Route("/api/openapi.json", api_openapi),
        Route("/api/missions", api(api_missions)),
        Route("/api/runs", api(api_list), methods=["GET"]),
        Route("/api/runs", api(api_start), methods=["POST"]),
        Route("/api/runs/{run_id}", api(api_get)),
        Route("/api/runs/{run_id}/answers", api(api_answer), methods=["POST"]),
        Route("/api/runs/{run_id}/cancel", api(api_cancel), methods=["POST"]),
        Route("/api/runs/{run_id}/receipt", api(api_receipt)),
        Route("/api/runs/{run_id}/verify", api(api_verify)),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed},
                     lifespan=lifespan)


TIMER_LOG = "mission.serve.timers"
SCHEDULE_LOG = "mission.serve.schedules"
DELIVERY_LOG = "mission.serve.notify"
PAGE_SIZE = 50  # runs on a page of /runs
MAX_LIMIT = 200  # runs in one answer of GET /api/runs


DEFAULT_TICK = 10.0  # seconds between the scheduler's and the deliverer's rounds


class _Background:
    """What the background loops share: an event that wakes the deliverer when a request
    or another loop has just written notices (created in the event loop, at start)."""

    def __init__(self) -> None:
        self.event: asyncio.Event | None = None

    def start(self) -> None:
        self.event = asyncio.Event()

    def wake(self) -> None:
        if self.event is not None:
            self.event.set()

    def woken_by(self, done: list[Any]) -> None:
        """Wake the deliverer when a round did something (it may have written notices)."""
        if done:
            self.wake()

    async def wait(self, every: float) -> None:
        """Until woken, or `every` seconds."""
        if self.event is None:
            await asyncio.sleep(every)
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(self.event.wait(), every)
        self.event.clear()


async def _rounds(runs: Runs, name: str, log: str, work: Callable[[], list[Any]],
                  pause: Callable[[], Awaitable[None]],
                  after: Callable[[list[Any]], None]) -> None:
    """A background service: `work` in a worker thread (the store's calls block), one log
    line per thing done (without the store's location), then `pause`. A round that fails
    (the store unavailable) is logged (once per 10 s when it repeats), and the next one
    tries again."""
    done_log = logging.getLogger(log)
    problems = logging.getLogger("mission.serve")
    while True:
        try:
            done = await run_in_threadpool(work)
        except Refusal as refusal:
            problems.warning("the %s could not run: %s", name, refusal.message)
        except Exception as problem:  # a round that fails must not end the service
            problems.error("the %s failed: %s: %s", name, type(problem).__name__, problem)
        else:
            for item in done:
                done_log.info("%s", runs.private(item.line))
            after(done)
        await pause()


def _timer_loop(runs: Runs, every: float, background: _Background) -> Coroutine[Any, Any, None]:
    """The timer service inside the server: fire what is due every `every` seconds."""
    return _rounds(runs, "timer service", TIMER_LOG, runs.fire_due,
                   lambda: asyncio.sleep(every), background.woken_by)


def _scheduler_loop(runs: Runs, config: Config, every: float,
                    background: _Background) -> Coroutine[Any, Any, None]:
    """The scheduler inside the server: start the runs the schedules call for."""
    return _rounds(runs, "scheduler", SCHEDULE_LOG, lambda: runs.start_scheduled(config),
                   lambda: asyncio.sleep(every), background.woken_by)


def _delivery_loop(runs: Runs, deliverer: Any, every: float, background: _Background,
                   metrics: Metrics) -> Coroutine[Any, Any, None]:
    """The deliverer inside the server: every `every` seconds, and at once when a change
    here wrote notices."""
    def counted(done: list[Any]) -> None:
        for outcome in done:
            if outcome.channel:
                metrics.deliveries.labels(outcome.channel, outcome.state).inc()

    return _rounds(runs, "deliverer", DELIVERY_LOG, lambda: runs.deliver(deliverer),
                   lambda: background.wait(every), counted)


_LINK_HEADINGS = {400: "Press the button to answer", 403: "This link does not answer",
                  404: "This link does not answer", 409: "Already answered",
                  410: "This link has expired", 422: "Not accepted",
                  503: "The run store is unavailable"}


def _shown_answer(answer: Any) -> str:
    """An answer as the link pages show it: yes/no, or the option."""
    if isinstance(answer, bool):
        return "Yes" if answer else "No"
    import json

    return answer if isinstance(answer, str) else json.dumps(answer)


def _delivery_id(text: str) -> int:
    from mission.stores import run_id_of

    found = run_id_of(text)
    if found is None:
        raise Refusal(400, f"a message id is a positive whole number, not {text!r}")
    return found


_HEADINGS = {400: "This request is not understood", 403: "You may not do this",
             404: "Not found", 408: "Too slow", 409: "This cannot be done now",
             413: "Too large",
             415: "Wrong kind of form", 422: "Not accepted", 503: "The run store is unavailable"}


def _pretty(value: Any) -> str:
    """A value as indented JSON, for people (the page escapes it)."""
    import json

    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _page_headers() -> dict[str, str]:
    return {"Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store"}


def _json_error(status: int, message: str, headers: Mapping[str, str] | None = None,
                field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": {"status": status, "message": message}}
    if field is not None:
        body["error"]["field"] = field
    return JSONResponse(body, status_code=status,
                        headers={"Cache-Control": "no-store", **dict(headers or {})})


async def _body(request: Request, timeout: float) -> bytes:
    """The request's body, refused while it is read when it is over `MAX_BODY` (413) or
    has not all arrived within `timeout` seconds (408: a client that trickles its body
    holds a connection and a worker)."""
    import anyio

    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        raise Refusal(413, f"the request body is over {MAX_BODY} bytes")
    chunks, size = [], 0
    try:
        with anyio.fail_after(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:
                    raise Refusal(413, f"the request body is over {MAX_BODY} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise Refusal(408, f"the request body did not arrive within {timeout:g} s") from None
    return b"".join(chunks)


MAX_FORM_FIELDS = 200


async def _form(request: Request, timeout: float) -> dict[str, str]:
    """A submitted form: UTF-8 text (its %-escapes too), at most `MAX_FORM_FIELDS` fields;
    anything else is refused as the API refuses it (400, 413), never replaced silently."""
    from urllib.parse import parse_qsl

    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Refusal(415, "send the form as application/x-www-form-urlencoded")
    raw = await _body(request, timeout)
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict",
                              max_num_fields=MAX_FORM_FIELDS))
    except UnicodeDecodeError:
        raise Refusal(400, "the form is not UTF-8 text") from None
    except ValueError:  # more fields than allowed
        raise Refusal(413, f"the form has more than {MAX_FORM_FIELDS} fields") from None


async def _json_body(request: Request, timeout: float) -> dict[str, Any]:
    from mission.cli import UsageError
    from mission.files import parse_json

    raw = await _body(request, timeout)
    try:
        data = parse_json(raw.decode("utf-8"), "the request body")
    except UnicodeDecodeError:
        raise Refusal(400, "the request body is not UTF-8") from None
    except UsageError as problem:
        raise Refusal(400, str(problem)) from None
    if not isinstance(data, dict):
        raise Refusal(400, "the request body must be a JSON object")
    return data


def _run_id(request: Request) -> int:
    from mission.stores import run_id_of

    text = str(request.path_params["run_id"])
    found = run_id_of(text)
    if found is None:
        raise Refusal(404, f"a run id is a positive whole number, not {text!r}")
    return found


def _mission(settings: Settings, name: str) -> Mission:
    mission = settings.catalogue.get(name)
    if mission is None:
        raise Refusal(404, f"there is no mission `{name}` on this server")
    return mission


def _local_target(target: str | None) -> str:
    """Where to go after signing in: a path on this server only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return quote(target, safe="/?=&%-._~")


def _params_from_form(mission: Mission, values: dict[str, str]) -> dict[str, Any]:
    """Each filled-in field read by its param's type, as `--param NAME=VALUE` is."""
    from mission.cli import UsageError
    from mission.starting import coerce, param_type

    params = {}
    for name, declaration in mission.params.items():
        text = values.get(name, "")
        if text == "":
            continue  # the default applies, or the engine says the param is required
        try:
            params[name] = coerce(text, param_type(declaration), f"param `{name}`")
        except UsageError as problem:
            raise Refusal(422, str(problem), name) from None
    return params


def _state_from_form(text: str) -> dict[str, Any]:
    from mission.cli import UsageError
    from mission.files import parse_json

    if not text.strip():
        return {}
    try:
        state = parse_json(text, "the initial state")
    except UsageError as problem:
        raise Refusal(422, str(problem), "state") from None
    if not isinstance(state, dict):
        raise Refusal(422, "the initial state must be a JSON object", "state")
    return state


def _verify(record: RunRecord, run_id: int) -> list[Any]:
    """`mission verify` of a stored run: its replay, project operations bound as the
    command line binds them."""
    from mission.serve.runs import bound
    from runtime.verify import verify

    workflow = stored_workflow(record, run_id)
    return verify(record, workflow, bound(workflow, record).implementations)


def _run_view(record: RunRecord, zone: tzinfo) -> RunView:
    """The run as `mission run --report` draws it (the replay of its record), its recorded
    times written in `zone`."""
    from mission.report import run_view
    from mission.serve.runs import bound
    from runtime.orchestration.engine import Orchestrator
    from runtime.orchestration.model import RUN_REFUSALS
    from runtime.records import RecordError

    try:
        workflow = record.stored_workflow()
        context = record.context(implementations=bound(workflow, record).implementations)
        result = Orchestrator().prepare(workflow).run(context)
    except (RecordError, *RUN_REFUSALS) as problem:
        raise Refusal(409, f"this run's record cannot be replayed: {problem}") from None
    return run_view(workflow, result, context,
                    show_time=lambda instant: shown_time(instant, zone))


def _wait_facts(record: RunRecord, run_id: int, zone: tzinfo, now: str) -> WaitFacts | None:
    """The facts of a waiting run's wait (the report's), with how long it has waited and
    until its deadline at `now`, its times in `zone`; None for a run that does not wait."""
    from mission.report import wait_facts

    if record.status != "waiting":
        return None
    return wait_facts(stored_workflow(record, run_id), record.question or {},
                      lambda instant: shown_time(instant, zone), now)


def mission_name_of(mission: Mission) -> str:
    """The own name of a mission of the catalogue (what `RunQuery.name` filters by)."""
    name = mission.workflow.metadata.get("mission_type")
    return name if isinstance(name, str) and name else mission.name


def _cancel_event(record: RunRecord) -> dict[str, Any] | None:
    return next((event for event in record.events if event.get("kind") == "cancel"), None)


def _cancellable(user: User, record: RunRecord, run_id: int) -> None:
    """Refuse the cancel page to whoever may not cancel, or for a run that does not wait."""
    if not may_cancel(user, record):
        starter = f" ({record.started_by})" if record.started_by else ""
        raise Refusal(403, f"{user.name} may not cancel run {run_id}: only admins and "
                           f"whoever started it{starter} may")
    if record.status != "waiting":
        raise Refusal(409, f"run {run_id} is {record.status}: only a waiting run can be "
                           "cancelled")


_FILTERS = ("status", "mission", "asked", "started_by", "since", "until")


def _run_query(params: Mapping[str, str], zone: tzinfo,
               limit: int) -> tuple[RunQuery, dict[str, str]]:
    """The runs a list asks for (the filters of `/runs` and `GET /api/runs`), and the
    filters as given (to fill the form again). A bare date is a whole day in `zone`."""
    chosen = {name: params.get(name, "").strip() for name in _FILTERS}
    status = chosen["status"] or None
    if status is not None and status not in STATUSES_FOR_FILTER:
        raise Refusal(400, f"`status` is one of {', '.join(STATUSES_FOR_FILTER)}, "
                           f"not {status!r}")
    before = params.get("before", "").strip()
    cursor = None
    if before:
        from mission.stores import run_id_of

        cursor = run_id_of(before)
        if cursor is None:
            raise Refusal(400, f"`before` is a run id (a positive whole number), not "
                               f"{before!r}")
    return RunQuery(status=status, name=chosen["mission"] or None,
                    asked=chosen["asked"] or None, started_by=chosen["started_by"] or None,
                    since=_bound(chosen["since"], "since", zone, 0),
                    until=_bound(chosen["until"], "until", zone, 1),
                    before=cursor, limit=limit), chosen


def _bound(text: str, name: str, zone: tzinfo, days: int) -> str | None:
    """`since`/`until` as the store compares them: an ISO 8601 instant with an offset as
    given, or a date (2026-12-01): the start of that day in `zone` (`until`: of the next
    day, so the day is included)."""
    from datetime import date, datetime, timedelta

    from runtime.orchestration.times import InstantError, format_instant, parse_instant

    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=days)
            return format_instant(datetime(day.year, day.month, day.day, tzinfo=zone))
        return format_instant(parse_instant(text))
    except (ValueError, InstantError):
        raise Refusal(400, f"`{name}` is a date (2026-12-01) or an ISO 8601 instant with an "
                           f"offset (2026-12-01T09:00:00+01:00), not {text!r}") from None


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return PAGE_SIZE
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise Refusal(400, f"`limit` is a whole number from 1 to {MAX_LIMIT}, not {text!r}")
    return int(text)


def _with_cursor(params: Mapping[str, str], run_id: int) -> str:
    """The query of the next page: the same filters, from below `run_id`."""
    kept = {name: value for name, value in params.items() if name != "before" and value}
    return urlencode({**kept, "before": str(run_id)})


def _run_json(run_id: int, record: RunRecord) -> dict[str, Any]:
    """A run as the API gives it: the record's fields, and the listed fields by the names
    `GET /api/runs` uses (`runtime.listing.RunListing.to_json`)."""
    deadline = (record.question or {}).get("deadline") if record.status == "waiting" else None
    due = deadline.get("due_at") if isinstance(deadline, dict) else None
    return {"run_id": run_id, "mission": record.mission, "name": mission_name(record),
            "title": mission_title(record), "status": record.status,
            "params": record.params, "started_at": record.started_at,
            "started_by": record.started_by, "schedule": record.schedule,
            "created_at": record.started_at,
            "created_by": record.started_by, "updated_at": record.updated_at,
            "finished_at": record.finished_at, "asked": asked_group(record),
            "due_at": due if isinstance(due, str) else None,
            "waiting_step_id": record.waiting_step_id, "question": record.question,
            "answers": record.answers, "answered_by": record.answered_by,
            "events": record.events,
            "final_state": record.final_state, "failed_step_id": record.failed_step_id,
            "error_message": record.error_message, "receipt": record.receipt,
            "links": {"self": f"/api/runs/{run_id}", "receipt": f"/api/runs/{run_id}/receipt",
                      "verify": f"/api/runs/{run_id}/verify",
                      "cancel": f"/api/runs/{run_id}/cancel", "page": f"/runs/{run_id}"}}
