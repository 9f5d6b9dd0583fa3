"""`cica-api serve` (the container's start command) on a new database, under 50 clients.

The pool is 5 connections with no overflow, fewer than the server's worker threads, so
a session held across response serialisation would exhaust it and stall requests. The
response cache is off, so every request reaches the database.
"""

from scripts.load_test import hammer, running_server
from tests.conftest import DatabaseFactory


def test_fifty_clients_get_answers_and_nothing_stalls(databases: DatabaseFactory) -> None:
    with running_server(databases.url(), cache=False) as base:
        result = hammer(base, clients=50, seconds=3)
    assert result.failures == []
    assert len(result.latencies) > 100
    assert max(result.latencies) < 5.0, result.summary()
