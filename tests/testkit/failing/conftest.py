"""The test files here fail on purpose (`tests/testkit/test_cli.py` checks how): the pytest
plugin must not collect them with the suite."""

collect_ignore_glob = ["*_test.mission"]
