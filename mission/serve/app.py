"""The Starlette application: server-rendered pages under `/`, a JSON API under `/api/`.

Pages sign in with a user name and password (or token) and keep a session
cookie (`HttpOnly`, `SameSite=Strict`, `Secure` unless `--insecure-cookies`);
every form carries the session's CSRF token, and a POST without it is refused.
The API takes `Authorization: Bearer TOKEN`. A request that is not signed in
gets 401, one that is not allowed 403; neither writes anything. Every page
works without JavaScript (there is none) and sends a strict
Content-Security-Policy.

Handlers read the request, then do the store work in a worker thread
(`run_in_threadpool`), where SQLite's blocking calls belong.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from mission.serve.accounts import Accounts, Session, User
from mission.serve.catalogue import Mission
from mission.serve.forms import form_field_errors, render_form_fields, widget
from mission.serve.openapi import openapi_description
from mission.serve.runs import Refusal, Runs, step_group, stored_workflow
from runtime.records import STATUSES as STATUSES_FOR_FILTER
from runtime.records import RunRecord

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

    @property
    def session_cookie(self) -> str:
        return "__Host-mission-session" if self.secure_cookies else "mission-session"

    @property
    def login_cookie(self) -> str:
        return "__Host-mission-login" if self.secure_cookies else "mission-login"


class _Connections(threading.local):
    accounts: Accounts | None = None


def template_environment() -> Environment:
    """The pages' templates: autoescaped, with the filters and the form renderer they use."""
    environment = Environment(loader=FileSystemLoader(_TEMPLATES),
                              autoescape=select_autoescape(default=True, default_for_string=True))
    environment.filters["pretty"] = _pretty
    environment.globals["form_fields"] = _form_fields
    return environment


def _form_fields(question: Mapping[str, Any], given: Any) -> Markup:
    """A form question's inputs, refilled with what was sent and each bad field's message
    (the engine's own); `render_form_fields` escapes every text itself."""
    sent = given if isinstance(given, dict) else None
    errors = form_field_errors(question, sent) if sent is not None else None
    return Markup(render_form_fields(question, sent, errors))


def create_app(settings: Settings) -> Starlette:
    """The application over `settings.store`; the routes are listed in `openapi.py` too."""
    environment = template_environment()
    runs = Runs(settings.store, settings.catalogue)
    local = _Connections()

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
        return page("inbox.html", session, waiting=waiting)

    async def run_list(request: Request, session: Session) -> Response:
        status = request.query_params.get("status") or None
        mission = request.query_params.get("mission") or None
        if status is not None and status not in STATUSES_FOR_FILTER:
            raise Refusal(400, f"status is one of {', '.join(STATUSES_FOR_FILTER)}, "
                               f"not {status!r}")
        rows = await run_in_threadpool(runs.listing, status, mission)
        return page("runs.html", session, 200, rows=rows, chosen_status=status, mission=mission,
                    statuses=STATUSES_FOR_FILTER, missions=sorted(settings.catalogue))

    async def run_page(request: Request, session: Session) -> Response:
        run_id = _run_id(request)
        stored = await run_in_threadpool(runs.load, run_id)
        body = await run_in_threadpool(_report_body, stored.record)
        record = stored.record
        group = None
        if record.status == "waiting" and record.waiting_step_id is not None:
            group = step_group(stored_workflow(record, run_id), record.waiting_step_id)
        return page("run.html", session, 200, run_id=run_id, record=record, report=body,
                    group=group)

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
        group = step_group(stored_workflow(record, run_id), step_id)
        may = await run_in_threadpool(_may_answer, accounts(), session.user, group,
                                      record.mission)
        if not may:
            raise Refusal(403, f"{session.user.name} may not answer step `{step_id}`: only "
                               + (f"members of `{group}`" if group else
                                  f"those who may start `{record.mission}`") + " may")
        return page("answer.html", session, status, run_id=run_id, record=record,
                    question=question, widget=widget(question).template, group=group,
                    error=error.message if error is not None else None, given=given)

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
        except Refusal as refusal:
            if refusal.status != 422:
                raise
            return page("start.html", session, 422, mission=mission, values=values,
                        error=refusal.message, field=refusal.field, state=form.get("state", ""))
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    async def style(request: Request) -> Response:
        from mission.report import STYLE

        text = STYLE + (_TEMPLATES / "serve.css").read_text(encoding="utf-8")
        return Response(text, media_type="text/css", headers=_page_headers())

    # -- the API ------------------------------------------------------------------------

    async def api_list(request: Request, user: User) -> Response:
        status = request.query_params.get("status") or None
        if status is not None and status not in STATUSES_FOR_FILTER:
            raise Refusal(400, f"`status` is one of {', '.join(STATUSES_FOR_FILTER)}, "
                               f"not {status!r}")
        rows = await run_in_threadpool(runs.listing, status,
                                       request.query_params.get("mission") or None)
        return JSONResponse({"runs": [{"run_id": row.run_id, "mission": row.mission,
                                       "status": row.status if row.problem is None
                                       else "damaged",  # its columns cannot be trusted
                                       "waiting_step_id": row.waiting_step,
                                       "problem": row.problem} for row in rows]})

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
        return _json_error(405, f"{request.method} is not allowed on {request.url.path}")

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
        Route("/start", signed_in(start_list)),
        Route("/start/{mission}", signed_in(start_get), methods=["GET"]),
        Route("/start/{mission}", signed_in(start_post), methods=["POST"]),
        Route("/api/openapi.json", api_openapi),
        Route("/api/missions", api(api_missions)),
        Route("/api/runs", api(api_list), methods=["GET"]),
        Route("/api/runs", api(api_start), methods=["POST"]),
        Route("/api/runs/{run_id}", api(api_get)),
        Route("/api/runs/{run_id}/answers", api(api_answer), methods=["POST"]),
        Route("/api/runs/{run_id}/receipt", api(api_receipt)),
        Route("/api/runs/{run_id}/verify", api(api_verify)),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})


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


def _may_answer(accounts: Accounts, user: User, group: str | None, mission: str) -> bool:
    from mission.serve.accounts import may_answer

    return may_answer(user, group, accounts.may_start(user, mission))


def _local_target(target: str | None) -> str:
    """Where to go after signing in: a path on this server only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return quote(target, safe="/?=&%-._~")


def _params_from_form(mission: Mission, values: dict[str, str]) -> dict[str, Any]:
    """Each filled-in field read by its param's type, as `--param NAME=VALUE` is."""
    from mission.cli import UsageError
    from mission.commands.run import coerce, param_type

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


def _report_body(record: RunRecord) -> str:
    """The run's report (the replay of its record), as `mission run --report` draws it."""
    from mission.report import report_body
    from mission.serve.runs import bound
    from runtime.orchestration.engine import Orchestrator
    from runtime.orchestration.model import RUN_REFUSALS
    from runtime.records import RecordError

    try:
        workflow = record.stored_workflow()
        context = record.context(implementations=bound(workflow, record).implementations)
        result = Orchestrator().run_workflow(workflow, context)
    except (RecordError, *RUN_REFUSALS) as problem:
        raise Refusal(409, f"this run's record cannot be replayed: {problem}") from None
    return report_body(workflow, result, context)


def _run_json(run_id: int, record: RunRecord) -> dict[str, Any]:
    return {"run_id": run_id, "mission": record.mission, "status": record.status,
            "waiting_step_id": record.waiting_step_id, "question": record.question,
            "answers": record.answers, "answered_by": record.answered_by,
            "final_state": record.final_state, "failed_step_id": record.failed_step_id,
            "error_message": record.error_message, "receipt": record.receipt,
            "links": {"self": f"/api/runs/{run_id}", "receipt": f"/api/runs/{run_id}/receipt",
                      "verify": f"/api/runs/{run_id}/verify", "page": f"/runs/{run_id}"}}

