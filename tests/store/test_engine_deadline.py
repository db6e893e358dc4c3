"""A PostgreSQL that stops answering (no reply, no reset) fails a query instead of hanging it.

Through `tests.support.db_proxy`, which holds the connection open but passes nothing on: the
server's own `statement_timeout` can't help (its error never arrives), so the client's deadline
must. The pooled connection is then dropped and, once the path forwards again, the same engine
answers without being rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from store.engine import make_engine
from tests.support.db_proxy import DatabaseProxy

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def proxy(database_url: str) -> Iterator[DatabaseProxy]:
    server = DatabaseProxy.to(database_url).start()
    yield server
    server.stop()


@pytest.fixture
def proxied(database_url: str, proxy: DatabaseProxy) -> Iterator[Engine]:
    engine = make_engine(proxy.url_for(database_url), statement_timeout_ms=200)
    yield engine
    engine.dispose()


def one(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT 1").scalar_one())


def test_a_query_on_a_stalled_connection_fails_and_the_engine_recovers(proxied, proxy):
    with proxied.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
        proxy.stall()
        with pytest.raises(OperationalError, match="no answer from the database"):
            connection.exec_driver_sql("SELECT 2")
        assert connection.invalidated  # a disconnect: never handed out again
    proxy.forward()
    assert one(proxied) == 1


def test_the_pool_pre_ping_on_a_stalled_connection_fails_rather_than_hangs(proxied, proxy):
    assert one(proxied) == 1  # a connection waits in the pool
    proxy.stall()
    with pytest.raises(OperationalError):
        one(proxied)  # its pre-ping meets the deadline; a fresh connect meets connect_timeout
    proxy.forward()
    assert one(proxied) == 1


def test_a_gone_database_fails_at_once_and_the_engine_recovers(proxied, proxy):
    assert one(proxied) == 1
    proxy.drop()
    with pytest.raises(OperationalError):
        one(proxied)
    proxy.forward()
    assert one(proxied) == 1


def test_a_slow_statement_still_gets_the_servers_own_timeout(proxied):
    """A server that answers reports its own statement timeout, before the client's deadline."""
    slow = pytest.raises(OperationalError, match="statement timeout")
    with proxied.connect() as connection, slow:
        connection.exec_driver_sql("SELECT pg_sleep(2)")


def test_a_migration_may_take_longer_than_the_deadline(proxied):
    """Migrations lift `statement_timeout` (a big table rewritten) and the client deadline too."""
    from store.migrate import _run

    def slow_step(config) -> None:
        config.attributes["connection"].exec_driver_sql("SELECT pg_sleep(3)")  # deadline: 2.2 s

    _run(proxied, slow_step)
    with proxied.connect() as connection:  # the pooled connection has its deadline back
        assert connection.connection.driver_connection.deadline_s == pytest.approx(2.2)
