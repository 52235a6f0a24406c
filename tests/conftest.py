"""Shared fixtures: a migrated database per backend, the real app, a conversation helper.

Every database test runs on SQLite, and on PostgreSQL too when
BOT_TEST_DATABASE_URL points at one (CI sets it to the local server).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from bot import create_app
from bot.config import Config, load_config
from bot.db import Database
from bot.services import Services
from models import Base

pytest_plugins = ["tests.fakes.plugin"]  # the fake WeChat API: fake_wechat fixture

TEST_TOKEN = "test-token"
TEST_APP_ID = "wxtestapp00000001"
TEST_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TEST_CORP_ID = "wwtestcorp0000001"


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("JIEBA_LOG_LEVEL", "WARNING")
    _share_url_builders()
    _share_rule_builds()


# The longest tests (--durations: processes started and waited for, time-budgeted fuzzing), each 10-45 s
# on a loaded 2-core machine. Collected first, xdist hands them out at the start, so no worker is left
# running one of them alone at the end while the other has finished.
LONG_RUNNING = (
    "tests/web/test_schemathesis.py",
    "tests/bot/test_ci_services.py",
    "tests/bot/test_cli.py",
    "tests/bot/test_cli_preflight.py",
    "tests/delivery/test_token_processes.py",
    "tests/delivery/test_worker_processes.py",
    "tests/reminders/test_processes.py",
    "tests/bulletins/test_worker_processes.py",
    "tests/bot/test_serve_processes.py",
    "tests/bot/test_outage.py",
    "tests/tickets/test_join_race.py",
    "tests/bot/test_message_races.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the long tests first (see LONG_RUNNING); everything else keeps its order."""
    def long_first(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return 0 if path in LONG_RUNNING or item.get_closest_marker("slow") else 1

    items.sort(key=long_first)


def _share_url_builders() -> None:
    """Compile each distinct URL builder once per test process instead of once per app.

    Werkzeug turns every route into two small URL-building functions by generating and compiling
    Python code (``Rule._compile_builder``): about 80 % of ``create_app``'s time, and the suite builds
    an app for almost every test (0.3-1 s each on a loaded 2-core machine). The generated code depends
    only on the route's parsed parts, its defaults' names and ``append_unknown``; the function takes
    the rule as its first argument, so one compiled function serves every app's equal rule. Apps and
    URLs come out exactly as before; a rule whose defaults fill one of its own variables (the code
    then holds the converted value) is compiled as before.
    """
    from werkzeug.routing.rules import Rule

    original = Rule._compile_builder
    if getattr(original, "shared_by_tests", False):
        return
    compiled: dict[tuple[Any, ...], Any] = {}

    def compile_builder(self: Rule, append_unknown: bool = True) -> Any:
        defaults = self.defaults or {}
        if any(dynamic and name in defaults for dynamic, name in self._trace):
            return original(self, append_unknown)
        key = (self.rule, append_unknown, tuple(self._trace), tuple(map(str, defaults)))
        if key not in compiled:
            compiled[key] = original(self, append_unknown)
        return compiled[key]

    compile_builder.shared_by_tests = True  # type: ignore[attr-defined]
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


def _share_rule_builds() -> None:
    """Build the NLP routers once per distinct rule set per test process instead of once per test.

    Every test on the seeded demo starts an NlpEngine over the same ~180 stored rules, and its first
    refresh re-validates each row (``rulestore.row_to_rule``: normalising every keyword) and builds the
    routers and the urgent detector (``build_routers``): 0.2-0.5 s per test. Both are pure functions
    of their inputs, and routers and detectors are not changed after they are built, so equal inputs
    get the earlier result back: a row with the same values (and the same community codes) gives the
    same Rule, the same rules give the same routers. The engine still reads the rows and the version
    counters from the database on every refresh, exactly as before.
    """
    from bot.routing import engine, rulestore

    original_rule, original_build = rulestore.row_to_rule, engine.build_routers
    if getattr(original_rule, "shared_by_tests", False):
        return
    rules: dict[str, Any] = {}
    routers: dict[tuple[Any, ...], Any] = {}

    def row_to_rule(row: Any, codes: Any) -> Any:
        key = repr((row.id, sorted(rulestore.row_to_dict(row, codes).items()), sorted(codes.items())))
        if key not in rules:
            rules[key] = original_rule(row, codes)
        return rules[key]

    def build_routers(given: Any) -> Any:
        ordered = tuple(given)
        if ordered not in routers:
            if len(routers) >= 16:
                routers.clear()
            routers[ordered] = original_build(ordered)
        return routers[ordered]

    row_to_rule.shared_by_tests = True  # type: ignore[attr-defined]
    rulestore.row_to_rule = row_to_rule  # type: ignore[assignment]
    engine.build_routers = build_routers  # type: ignore[assignment]


def _worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


def _postgres_url() -> str | None:
    return os.environ.get("BOT_TEST_DATABASE_URL") or None


def services_required() -> bool:
    """BOT_TEST_REQUIRE_SERVICES=1 (CI): a missing PostgreSQL or Redis fails the run, never skips."""
    return os.environ.get("BOT_TEST_REQUIRE_SERVICES", "") not in ("", "0")


def skip_or_fail(reason: str) -> NoReturn:
    """Skip with the reason locally; under BOT_TEST_REQUIRE_SERVICES fail with it instead."""
    if services_required():
        pytest.fail(f"{reason} (BOT_TEST_REQUIRE_SERVICES is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def _postgres_schema_url(base: str, schema: str) -> str:
    url = make_url(base)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Database]]:
    made: dict[str, Database] = {}
    yield made
    for backend, db in made.items():
        if backend == "postgresql":
            schema = make_url(db.url).query["options"].split("=", 1)[1]
            db.dispose()
            with Database(_postgres_schema_url(_postgres_url() or "", "public")).engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema}_seed CASCADE"))
        db.dispose()


def _open_backend(backend: str, made: dict[str, Database], tmp_path_factory: pytest.TempPathFactory) -> Database:
    if backend in made:
        return made[backend]
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.db"
        db = Database(f"sqlite:///{path}")
    else:
        base = _postgres_url()
        if base is None:
            skip_or_fail("PostgreSQL not configured: set BOT_TEST_DATABASE_URL (CI does)")
        # Unique per run and xdist worker: concurrent runs on one server must not collide.
        worker = re.sub(r"\W", "", _worker_id())
        schema = f"linli_test_{worker}_{os.getpid()}"
        admin = Database(_postgres_schema_url(base, "public"))
        try:
            with admin.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {schema}"))
        except Exception as exc:  # noqa: BLE001 - report why, then skip or fail
            skip_or_fail(f"PostgreSQL at BOT_TEST_DATABASE_URL unreachable: {exc}")
        finally:
            admin.dispose()
        db = Database(_postgres_schema_url(base, schema))
    db.upgrade()
    made[backend] = db
    return db


def _schema_of(db: Database) -> str:
    """The PostgreSQL schema a test database lives in (its URL's search_path)."""
    return make_url(db.url).query["options"].split("=", 1)[1]


# Per PostgreSQL database: the statement that empties it as TRUNCATE … RESTART IDENTITY CASCADE would.
_pg_empty_sql: dict[str, str] = {}


def _pg_empty_statement(conn: Any, tables: list[str]) -> str:
    """DELETE from every table, children first, then restart the id sequences those tables own.

    TRUNCATE of all ~50 tables costs about a second per test on PostgreSQL (it swaps every table's and
    index's files); deleting the few rows a test wrote takes milliseconds and leaves the same empty
    tables with the same sequences, so every later test starts from exactly what TRUNCATE left.
    """
    owned = conn.execute(text(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(s.relname), q.seqstart "
        "FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace "
        "JOIN pg_sequence q ON q.seqrelid = s.oid "
        "JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid "
        "  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "WHERE s.relkind = 'S' AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(:tables)"
    ), {"tables": tables}).all()
    statements = [f"DELETE FROM {name}" for name in tables]
    statements += [f"SELECT setval('{seq}', {start}, false)" for seq, start in owned]
    return "; ".join(statements)


def _empty_tables(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        try:
            with db.engine.begin() as conn:
                if db.url not in _pg_empty_sql:
                    _pg_empty_sql[db.url] = _pg_empty_statement(conn, tables)
                conn.exec_driver_sql(_pg_empty_sql[db.url])
            return
        except IntegrityError:  # a foreign key the children-first order does not cover: the slow, sure way
            with db.engine.begin() as conn:
                conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
            return
    with db.engine.begin() as conn:
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, _databases: dict[str, Database], tmp_path_factory: pytest.TempPathFactory) -> Database:
    """A migrated, empty database; each test runs once per backend."""
    database = _open_backend(request.param, _databases, tmp_path_factory)
    _empty_tables(database)
    return database


@pytest.fixture
def sqlite_db(_databases: dict[str, Database], tmp_path_factory: pytest.TempPathFactory) -> Database:
    """SQLite only, for tests about behaviour that is not database-specific."""
    database = _open_backend("sqlite", _databases, tmp_path_factory)
    _empty_tables(database)
    return database


def make_config(db: Database, **overrides: Any) -> Config:
    base: dict[str, Any] = {
        "database": db.url,
        "wechat": {"token": TEST_TOKEN, "app_id": TEST_APP_ID, "app_secret": "test-secret"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return load_config(None, env={}, overrides=base)


@pytest.fixture
def make_services(db: Database) -> Iterator[Callable[..., Services]]:
    created: list[Services] = []

    def build(**overrides: Any) -> Services:
        services = Services(config=make_config(db, **overrides), db=db)
        created.append(services)
        return services

    yield build
    for services in created:
        services.executor.shutdown(wait=True)


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    return make_services()


@pytest.fixture
def app(services: Services) -> Any:
    return create_app(services=services)


def conversation(services: Services) -> Callable[..., list[str | None]]:
    """A converse() function speaking to the real webhook of an app over `services`."""
    from bot.wechat.client import ChatClient, app_poster

    app = create_app(services=services)

    def run(messages: list[str], user: str = "oResident1") -> list[str | None]:
        client = ChatClient(services.config, app_poster(app), openid=user)
        return [client.say(message) for message in messages]

    return run


@pytest.fixture
def converse(services: Services) -> Callable[..., list[str | None]]:
    """converse(["水管漏水要报修", "3栋2单元502"]) -> the bot's replies (no NLP engine: fallback only)."""
    return conversation(services)


@pytest.fixture
def chat(nlp_services: Services) -> Callable[..., list[str | None]]:
    """Like converse, with the NLP engine over the default rules, as `serve` runs."""
    return conversation(nlp_services)


@pytest.fixture(scope="session")
def shared_tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One warmed jieba tokenizer for the whole run (warming costs about a second)."""
    from nlp.tokenizer import Tokenizer, dictionary_files

    tokenizer = Tokenizer(cache_dir=tmp_path_factory.mktemp("jieba"), user_dicts=dictionary_files())
    tokenizer.warm()
    return tokenizer


_seed_snapshots: dict[str, dict[str, list[dict[str, Any]]]] = {}


def _snapshot(db: Database) -> dict[str, list[dict[str, Any]]]:
    with db.engine.connect() as conn:
        return {t.name: [dict(row._mapping) for row in conn.execute(t.select())] for t in Base.metadata.sorted_tables}


def _restore(db: Database, snapshot: dict[str, list[dict[str, Any]]]) -> None:
    """Put the seeded rows back (into emptied tables); PostgreSQL's id sequences continue after them."""
    if db.url in _pg_restore_sql:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(_pg_restore_sql[db.url])
        return
    if db.url in _sqlite_seed:
        _sqlite_restore(db)
        return
    with db.engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            rows = snapshot[table.name]
            if rows:
                conn.execute(table.insert(), rows)
            if db.engine.dialect.name == "postgresql" and "id" in table.c and rows:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT max(id) FROM {table.name}))"))


# PostgreSQL keeps a copy of the seeded rows on the server, in a schema next to the test schema
# ("<schema>_seed", dropped with it): restoring is then one INSERT … SELECT per table in one round trip,
# instead of sending ~700 rows through SQLAlchemy's parameter processing for every seeded test.
# The copy is made from the freshly seeded tables, the same rows the snapshot holds.
_pg_restore_sql: dict[str, str] = {}


def _seed_schema(db: Database) -> str:
    return _schema_of(db) + "_seed"


def _pg_save_seed(db: Database, snapshot: dict[str, list[dict[str, Any]]]) -> None:
    """Copy the seeded tables (right after the import) into the seed schema; remember the restore statement."""
    seed = _seed_schema(db)
    statements: list[str] = []
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {seed} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {seed}"))
        for table in Base.metadata.sorted_tables:
            if not snapshot[table.name]:
                continue
            conn.execute(text(f"CREATE TABLE {seed}.{table.name} AS TABLE {table.name}"))
            statements.append(f"INSERT INTO {table.name} SELECT * FROM {seed}.{table.name}")
            if "id" in table.c:
                statements.append(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT max(id) FROM {table.name}))")
    _pg_restore_sql[db.url] = "; ".join(statements)


# SQLite likewise: a copy of the freshly seeded database file (VACUUM INTO), attached while restoring,
# so the rows go back with one INSERT … SELECT per table (~0.1 s less per seeded test than sending them
# through SQLAlchemy's parameter processing). The copy holds exactly the rows the snapshot holds.
_sqlite_seed: dict[str, tuple[str, list[str]]] = {}


def _sqlite_save_seed(db: Database, snapshot: dict[str, list[dict[str, Any]]]) -> None:
    path = f"{make_url(db.url).database}.seed"
    if os.path.exists(path):
        os.remove(path)
    with db.engine.connect() as conn:
        conn.exec_driver_sql(f"VACUUM INTO '{path}'")
    statements = [f"INSERT INTO main.{t.name} SELECT * FROM seed.{t.name}"
                  for t in Base.metadata.sorted_tables if snapshot[t.name]]
    _sqlite_seed[db.url] = (path, statements)


def _sqlite_restore(db: Database) -> None:
    path, statements = _sqlite_seed[db.url]
    with db.engine.connect() as conn:
        conn.exec_driver_sql(f"ATTACH DATABASE '{path}' AS seed")
        conn.commit()
        try:
            for statement in statements:
                conn.exec_driver_sql(statement)
            conn.commit()  # the engine's commit events see the writes, as they saw the inserts
        finally:
            conn.rollback()
            conn.exec_driver_sql("DETACH DATABASE seed")
            conn.commit()


@pytest.fixture
def seeded(db: Database) -> Database:
    """The database with the default categories, rules and the demo community imported.

    Importing takes seconds (rules, bulletin content, the demo); it runs once per backend and
    process, and later tests get the same rows back from a snapshot in milliseconds.
    """
    from bot.importer import DATA_DIR, import_defaults, import_file

    backend = db.engine.dialect.name
    if backend not in _seed_snapshots:
        import_defaults(db)
        import_file(db, DATA_DIR / "demo.yaml")
        _seed_snapshots[backend] = _snapshot(db)
        if backend == "postgresql":
            _pg_save_seed(db, _seed_snapshots[backend])
        else:
            _sqlite_save_seed(db, _seed_snapshots[backend])
    else:
        _restore(db, _seed_snapshots[backend])
    return db


@pytest.fixture
def nlp_services(seeded: Database, make_services: Callable[..., Services], shared_tokenizer: Any) -> Services:
    """Services with the NLP engine over the seeded rules, as `serve` runs them."""
    from bot.routing.engine import NlpEngine

    services = make_services()
    services.nlp = NlpEngine(seeded, tokenizer=shared_tokenizer)
    services.nlp.refresh()
    return services


@pytest.fixture
def admin_token(db: Database) -> str:
    from bot.web.auth import create_admin, issue_token

    with db.session() as session:
        return issue_token(session, create_admin(session, "admin", "s3cret-pass"))
