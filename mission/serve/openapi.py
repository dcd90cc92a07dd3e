"""The API's OpenAPI 3.1 description, served at `/api/openapi.json`.

Written by hand beside the routes of `app.py`; a test checks that every API
route is described, that the document is valid OpenAPI, and that real
responses match the schemas it gives.
"""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/responses/Error"}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _ERROR for code in codes}


def _run_id() -> dict[str, Any]:
    return {"name": "run_id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1}}


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description,
            "schema": {"type": "string"}}


def openapi_description() -> dict[str, Any]:
    json_object = {"type": "object"}
    instant = {"type": ["string", "null"], "format": "date-time",
               "description": "ISO 8601 with its offset, as recorded (UTC)"}
    statuses = ["succeeded", "failed", "waiting", "cancelled"]
    event = {
        "type": "object", "required": ["kind"],
        "description": "an answer (`step`, `answer`, `by`, `at`), a deadline that fired "
                       "(`step`, `stage`, `at`; by \"the deadline\"), or a cancellation "
                       "(`reason`, `by`, `at`)",
        "properties": {"kind": {"enum": ["answer", "deadline", "cancel"]},
                       "step": {"type": "string"}, "answer": {}, "stage": {"type": "integer"},
                       "reason": {"type": "string"}, "by": {"type": "string"},
                       "at": {"type": "string", "format": "date-time"}}}
    run = {
        "type": "object",
        "required": ["run_id", "mission", "name", "title", "status", "params", "started_at",
                     "started_by", "schedule", "created_at", "created_by", "updated_at",
                     "finished_at", "asked", "due_at", "waiting_step_id", "question", "answers",
                     "answered_by", "events", "final_state", "receipt", "links"],
        "properties": {
            "run_id": {"type": "integer"},
            "mission": {"type": "string",
                        "description": "what was run: a mission of this server, or the file "
                                       "or name a `mission run` was given"},
            "name": {"type": "string", "description": "the mission's own name"},
            "title": {"type": "string", "description": "the mission's title"},
            "status": {"enum": statuses},
            "params": {"type": ["object", "null"]},
            "started_at": instant, "started_by": {"type": ["string", "null"]},
            "schedule": {"type": ["object", "null"], "required": ["name", "fire_at"],
                         "properties": {"name": {"type": "string"},
                                        "fire_at": {"type": "string", "format": "date-time"}},
                         "description": "for a run a schedule started (`started_by` is "
                                        "`schedule:NAME`): the schedule and the fire time it "
                                        "was started for"},
            "created_at": instant, "created_by": {"type": ["string", "null"],
                                                  "description": "as `started_by`; the name "
                                                                 "`GET /api/runs` uses"},
            "updated_at": instant, "finished_at": instant,
            "asked": {"type": ["string", "null"],
                      "description": "the group the waiting step asks now"},
            "due_at": {**instant, "description": "when the waiting step's next deadline is "
                                                 "due (UTC)"},
            "waiting_step_id": {"type": ["string", "null"]},
            "question": {"type": ["object", "null"],
                         "description": "what the waiting step asks: `step_id`, `type`, "
                                        "`prompt`, and `options`, `min`, `max`, `show`; "
                                        "a choose by label shows the labels as `options` "
                                        "and what each stores as `values` (answer with "
                                        "either); in time: `waiting_since`, `group`, "
                                        "`deadline` {`stage`, `after`, `then`, `due_at`, "
                                        "`escalate_to`}, `remind_at`, `approvals` "
                                        "{`needed`, `given`}, `may_not_answer` {name: why}"},
            "answers": json_object,
            "answered_by": {"type": "object", "additionalProperties": {"type": "string"},
                            "description": "who gave each answer, by step id"},
            "events": {"type": "array", "items": event},
            "final_state": json_object,
            "failed_step_id": {"type": ["string", "null"]},
            "error_message": {"type": ["string", "null"]},
            "receipt": json_object,
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    listed = {
        "type": "object",
        "required": ["run_id", "mission", "name", "status", "waiting_step_id", "asked",
                     "due_at", "created_at", "created_by", "updated_at", "finished_at",
                     "problem"],
        "properties": {"run_id": {"type": ["integer", "null"],
                                  "description": "null when the row's id is damaged"},
                       "mission": {"type": "string"}, "name": {"type": ["string", "null"]},
                       "status": {"enum": [*statuses, "damaged"],
                                  "description": "`damaged` for a row that fails its "
                                                 "integrity check (`problem` says why)"},
                       "waiting_step_id": {"type": ["string", "null"]},
                       "asked": {"type": ["string", "null"]}, "due_at": instant,
                       "created_at": instant, "created_by": {"type": ["string", "null"]},
                       "updated_at": instant, "finished_at": instant,
                       "problem": {"type": ["string", "null"]}}}
    listing = {
        "type": "object", "required": ["runs", "next"],
        "properties": {"runs": {"type": "array", "items": listed},
                       "next": {"type": ["string", "null"],
                                "description": "the next page (the same filters, `before` "
                                               "the last run listed); null on the last"}}}
    notification = {
        "type": "object",
        "required": ["id", "run_id", "kind", "channel", "recipient", "address", "key", "state",
                     "attempts", "next_at", "last_error", "sent_at", "created_at"],
        "description": "one message of a notice: `kind` is the notice's (waiting, reminder, "
                       "escalated, deadline, failed, succeeded, cancelled), `key` the "
                       "idempotency key its receiver sees",
        "properties": {"id": {"type": "integer"}, "run_id": {"type": "integer"},
                       "kind": {"type": "string"}, "channel": {"enum": ["email", "webhook"]},
                       "recipient": {"type": "string"}, "address": {"type": "string"},
                       "key": {"type": "string"},
                       "state": {"enum": ["pending", "sent", "dead"]},
                       "attempts": {"type": "integer"}, "next_at": instant,
                       "last_error": {"type": ["string", "null"]}, "sent_at": instant,
                       "created_at": instant}}
    error = {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["status", "message"],
                                 "properties": {"status": {"type": "integer"},
                                                "message": {"type": "string"},
                                                "field": {"type": "string"}}}},
    }

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    def ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "mission serve", "version": "1",
                 "description": "Start, inspect and answer mission runs (docs/serve.md)."},
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "`mission users token NAME`"}},
            "schemas": {"Run": run, "RunList": listing, "Event": event, "Error": error},
            "responses": {"Error": {"description": "the request changed nothing; why",
                                    "content": {"application/json": {
                                        "schema": {"$ref": "#/components/schemas/Error"}}}}},
        },
        "paths": {
            "/api/missions": {"get": {
                "summary": "the missions this server can start", "operationId": "listMissions",
                "responses": {"200": ok({"type": "object", "required": ["missions"],
                                         "properties": {"missions": {"type": "array"}}},
                                        "the missions"), **_errors(401, 503)}}},
            "/api/runs": {
                "get": {"summary": "list runs, the newest first, a page at a time",
                        "operationId": "listRuns",
                        "parameters": [
                            {"name": "status", "in": "query", "schema": {"enum": statuses}},
                            _query("mission", "the mission's own name (runs started from "
                                              "the command line too)"),
                            _query("asked", "the group the waiting step asks"),
                            _query("started_by", "who started the run"),
                            _query("since", "started at or after: an ISO 8601 instant, or a "
                                            "date (from its start in the server's zone)"),
                            _query("until", "started before: an ISO 8601 instant, or a date "
                                            "(to its end in the server's zone)"),
                            {"name": "before", "in": "query", "description": "the cursor: "
                             "runs with a smaller id (`next` gives it)",
                             "schema": {"type": "integer", "minimum": 1}},
                            {"name": "limit", "in": "query", "schema": {
                                "type": "integer", "minimum": 1, "maximum": 200,
                                "default": 50}}],
                        "responses": {"200": ok({"$ref": "#/components/schemas/RunList"},
                                                "the runs, newest first"),
                                      **_errors(400, 401, 503)}},
                "post": {"summary": "start a run", "operationId": "startRun",
                         "requestBody": body({
                             "type": "object", "required": ["mission"],
                             "properties": {"mission": {"type": "string"},
                                            "params": json_object, "state": json_object}}),
                         "responses": {"201": ok({"$ref": "#/components/schemas/Run"},
                                                 "the new run (it may already wait)"),
                                       **_errors(400, 401, 403, 404, 408, 409, 413, 422,
                                                 503)}},
            },
            "/api/runs/{run_id}": {"get": {
                "summary": "get a run", "operationId": "getRun", "parameters": [_run_id()],
                "description": "A run is never deleted (DELETE is 405): a waiting run is "
                               "withdrawn with `POST /api/runs/{run_id}/cancel`.",
                "responses": {"200": ok({"$ref": "#/components/schemas/Run"}, "the run"),
                              **_errors(401, 404, 409, 503)}}},
            "/api/runs/{run_id}/answers": {"post": {
                "summary": "answer the step a run waits for", "operationId": "answerStep",
                "parameters": [_run_id()],
                "requestBody": body({"type": "object", "required": ["step", "answer"],
                                     "properties": {"step": {"type": "string"},
                                                    "answer": {}}}),
                "responses": {"200": ok({"$ref": "#/components/schemas/Run"},
                                        "the run after the answer"),
                              **_errors(400, 401, 403, 404, 408, 409, 413, 422, 503)}}},
            "/api/runs/{run_id}/cancel": {"post": {
                "summary": "cancel a waiting run (admins and whoever started it)",
                "operationId": "cancelRun", "parameters": [_run_id()],
                "requestBody": body({"type": "object", "required": ["reason"],
                                     "properties": {"reason": {"type": "string",
                                                               "minLength": 1,
                                                               "maxLength": 1000}}}),
                "responses": {"200": ok({"$ref": "#/components/schemas/Run"},
                                        "the cancelled run"),
                              **_errors(400, 401, 403, 404, 408, 409, 413, 422, 503)}}},
            "/api/runs/{run_id}/receipt": {"get": {
                "summary": "the run's record and receipt, as `mission run --receipt` writes it",
                "operationId": "getReceipt", "parameters": [_run_id()],
                "responses": {"200": ok(json_object, "the receipt file"),
                              **_errors(401, 404, 409, 503)}}},
            "/api/runs/{run_id}/verify": {"get": {
                "summary": "replay the run and check its receipt", "operationId": "verifyRun",
                "parameters": [_run_id()],
                "responses": {"200": ok({
                    "type": "object", "required": ["run_id", "verified", "differences",
                                                   "answered_by"],
                    "properties": {"run_id": {"type": "integer"}, "verified": {"type": "boolean"},
                                   "differences": {"type": "array"},
                                   "answered_by": {"type": "object"}}}, "the verdict"),
                    **_errors(401, 404, 409, 503)}}},
            "/api/notifications": {"get": {
                "summary": "the outbox's messages, newest first (admins)",
                "operationId": "listNotifications",
                "parameters": [{"name": "state", "in": "query",
                                "schema": {"enum": ["pending", "sent", "dead"]}},
                               {"name": "before", "in": "query", "schema": {
                                   "type": "integer", "minimum": 1}},
                               {"name": "limit", "in": "query", "schema": {
                                   "type": "integer", "minimum": 1, "maximum": 200,
                                   "default": 50}}],
                "responses": {"200": ok({"type": "object", "required": ["notifications"],
                                         "properties": {"notifications": {
                                             "type": "array", "items": notification}}},
                                        "the messages"), **_errors(400, 401, 403, 503)}}},
            "/api/notifications/retry": {"post": {
                "summary": "send dead messages again (admins)",
                "operationId": "retryNotifications",
                "requestBody": body({"type": "object", "required": ["ids"], "properties": {
                    "ids": {"oneOf": [{"type": "array", "items": {"type": "integer"}},
                                      {"const": "dead"}]}}}),
                "responses": {"200": ok({"type": "object", "required": ["retried"],
                                         "properties": {"retried": {"type": "integer"}}},
                                        "how many will be sent again"),
                              **_errors(400, 401, 403, 408, 413, 422, 503)}}},
            "/api/openapi.json": {"get": {
                "summary": "this description", "operationId": "openapi", "security": [],
                "responses": {"200": ok(json_object, "OpenAPI 3.1")}}},
        },
    }
