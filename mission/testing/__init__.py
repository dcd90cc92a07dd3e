"""`mission test`: unit tests for missions, written as test files beside them (docs/testing.md).

- `loading`: a test file compiled and checked (`compiler.testfile`), ready to run;
- `timeline`: one case run as the engine sees a real run: inputs, answers with who and
  when, effect results, deadlines firing as time moves, a cancellation, and its expectations
  checked where they stand;
- `scripted`: the effects and project operations a case gives results for, as data;
- `observe`: what a run went through (steps, `when` conditions, conditional values), for
  the effects' steps and for coverage;
- `coverage`: steps and branches per mission, as text, Cobertura XML or LCOV;
- `replay`: recorded runs (receipt files, stored runs) replayed against the mission now;
- `suite`: many test files, in parallel; `report`: text, JSON, JUnit XML, GitHub;
- `snapshots`: `--update`; `select`: `-k`; `plugin`: the pytest plugin.
"""
