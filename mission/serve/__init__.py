"""`mission serve`: a web inbox and an HTTP API over the run store (docs/serve.md).

- `catalogue.py`: the missions the server may start (registered, and files);
- `runs.py`: starting, answering and cancelling runs on the run store (through
  `mission.advance`), who may answer and cancel, and the timer service's work;
- `forms.py`: one form widget per question type, and reading a form back;
- `app.py`: the Starlette application (pages and the JSON API), the timer loop;
- `openapi.py`: the API's OpenAPI description;
- `locations.py`: where the commands find the store and the accounts file;
- `templates/`: the pages (Jinja2, autoescaped, no scripts) and `serve.css`.

The accounts (users, groups, passwords, tokens, sessions) are `mission.accounts`, below
this package and `mission.delivery`, which both read them.

Starlette, uvicorn and Jinja2 come with the optional extra `mission[serve]`;
nothing here is imported unless `mission serve` or `mission users` runs.
"""
