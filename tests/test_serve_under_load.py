"""`cica-api serve` (the container's start command) on a new database, under 50 clients.

The response cache is off, so every request is rendered from the snapshot; the pool is 5
connections with no overflow, and the version poll and readiness probes share it. Nothing
may fail or stall.
"""

from scripts.load_test import hammer, running_server
from tests.conftest import DatabaseFactory


def test_fifty_clients_get_answers_and_nothing_stalls(databases: DatabaseFactory) -> None:
    with running_server(databases.url(), cache=False) as base:
        result = hammer(base, clients=50, seconds=3)
    assert result.failures == []
    assert len(result.latencies) > 100
    assert max(result.latencies) < 5.0, result.summary()
