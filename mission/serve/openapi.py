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


def openapi_description() -> dict[str, Any]:
    json_object = {"type": "object"}
    run = {
        "type": "object",
        "required": ["run_id", "mission", "status", "waiting_step_id", "question", "answers",
                     "answered_by", "final_state", "receipt", "links"],
        "properties": {
            "run_id": {"type": "integer"},
            "mission": {"type": "string"},
            "status": {"enum": ["succeeded", "failed", "waiting"]},
            "waiting_step_id": {"type": ["string", "null"]},
            "question": {"type": ["object", "null"],
                         "description": "what the waiting step asks: `step_id`, `type`, "
                                        "`prompt`, and `options`, `min`, `max`, `show`; "
                                        "a choose by label shows the labels as `options` "
                                        "and what each stores as `values` (answer with "
                                        "either)"},
            "answers": json_object,
            "answered_by": {"type": "object", "additionalProperties": {"type": "string"},
                            "description": "who gave each answer, by step id"},
            "final_state": json_object,
            "failed_step_id": {"type": ["string", "null"]},
            "error_message": {"type": ["string", "null"]},
            "receipt": json_object,
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    listing = {
        "type": "object", "required": ["runs"],
        "properties": {"runs": {"type": "array", "items": {
            "type": "object", "required": ["run_id", "mission", "status", "waiting_step_id"],
            "properties": {"run_id": {"type": "integer"}, "mission": {"type": "string"},
                           "status": {"enum": ["succeeded", "failed", "waiting", "damaged"],
                                      "description": "`damaged` for a row that fails its "
                                                     "integrity check (`problem` says "
                                                     "why)"},
                           "waiting_step_id": {"type": ["string", "null"]},
                           "problem": {"type": ["string", "null"]}}}}},
    }
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
            "schemas": {"Run": run, "RunList": listing, "Error": error},
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
                "get": {"summary": "list runs", "operationId": "listRuns",
                        "parameters": [
                            {"name": "status", "in": "query", "schema": {
                                "enum": ["succeeded", "failed", "waiting"]}},
                            {"name": "mission", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": ok({"$ref": "#/components/schemas/RunList"},
                                                "the runs, oldest first"),
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
            "/api/openapi.json": {"get": {
                "summary": "this description", "operationId": "openapi", "security": [],
                "responses": {"200": ok(json_object, "OpenAPI 3.1")}}},
        },
    }
