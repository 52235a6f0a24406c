"""Core statements compiled once per dialect and run on the driver's cursor: the webhook's hot path.

Why: a report runs about fifteen statements in one transaction. Through
``Session.execute`` each costs 60–100 µs of SQLAlchemy's execution layer
(execution context, parameter processing, result metadata, events) for 10–15 µs
of work in the driver, so the layer alone cost more than the whole message of
the bare stack it is compared with (issue 16, bench/README.md).

A ``Prepared`` statement is an ordinary Core statement. It is compiled by
SQLAlchemy once per dialect; each run then does what SQLAlchemy would do, and
no more: pending ORM changes are flushed first (as before any query), the
parameters go through the same bind processors (``UTCDateTime``, ``JSON`` …),
the statement runs on the session's own connection, inside its transaction,
and the rows come back through the same result processors, as named tuples. A
driver error is raised exactly as SQLAlchemy raises it (``IntegrityError``,
``OperationalError`` …; a lost connection is invalidated), so callers and
``bot.db.is_unavailable`` see no difference.

What it does not do: engine statement events do not fire (SQL echo and
``before_cursor_execute`` listeners do not see these statements; ``observers``
does), so a
statement that writes a table ``bot.cache`` watches is refused at compile time:
the cache would miss the write. Expanding (IN) parameters are refused too.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, insert, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from bot import cache

_MISSING = object()
_M = TypeVar("_M")
# Callbacks (sql, parameters) for each statement run: the engine's statement events do not see these
# (bench/webhook_sqlcount.py counts them here). Empty in production.
observers: list[Callable[[str, Any], None]] = []


class _Compiled:
    """One statement as one dialect runs it: SQL text, how to build the parameters, how to read the rows."""

    __slots__ = ("sql", "positional", "binds", "row", "readers", "returns_rows", "dialect", "types")

    def __init__(self, statement: Any, dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise TypeError("Prepared: expanding or literal-execute parameters are not supported")
        if getattr(compiled, "isinsert", False) or getattr(compiled, "isupdate", False) or getattr(
                compiled, "isdelete", False):
            table = getattr(statement, "table", None)
            if getattr(table, "name", None) in cache.watched_tables():
                raise TypeError(f"Prepared: {table.name} is watched by bot.cache; write it through the session")
        else:  # text(): the names it mentions, read as bot.cache reads them
            named = (cache.tables_named_in_write(compiled.string) or set()) & cache.watched_tables()
            if named:
                raise TypeError(f"Prepared: {', '.join(sorted(named))} watched by bot.cache; write through the session")
        self.sql: str = compiled.string
        self.positional: bool = bool(dialect.positional)
        processors = compiled._bind_processors  # the same processors SQLAlchemy's execution uses
        defaults = _column_defaults(compiled)
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        names: Sequence[str] = compiled.positiontup if self.positional else list(by_name)
        self.binds: list[tuple[str, str, Callable[[Any], Any] | None, Any]] = []
        for name in names:
            bind = by_name[name]
            if name in defaults:
                default = defaults[name]
            elif bind.callable is None and bind.value is not None:
                default = bind.value  # a literal given in the statement (values(value=1))
            else:
                default = _MISSING
            # The key in the caller's params: a column's bind carries the column key, a bindparam its own.
            key = bind.key
            out = compiled.escaped_bind_names.get(name, name)
            self.binds.append((key, out, processors.get(name), default))
        columns = compiled._result_columns
        # A text() SELECT has no result columns: its rows come back as plain tuples.
        self.returns_rows = bool(columns) or self.sql.lstrip()[:6].upper() in ("SELECT", "WITH")
        self.row = namedtuple("Row", [entry[0] for entry in columns], rename=True) if columns else None  # type: ignore[misc]
        self.dialect = dialect
        self.types = [entry[3] for entry in columns]
        # Built at the first run from the driver's type codes (cursor.description), as SQLAlchemy builds them:
        # some processors depend on the code (psycopg's numeric: float, Decimal or int).
        self.readers: list[Callable[[Any], Any] | None] | None | object = _MISSING

    def read_with(self, description: Any) -> None:
        """The result processors for the column types the driver reported (once: a statement's codes stay)."""
        codes = [entry[1] for entry in description] if description else [None] * len(self.types)
        readers = [kind._cached_result_processor(self.dialect, code) for kind, code in zip(self.types, codes,
                                                                                          strict=False)]
        self.readers = readers if any(readers) else None

    def parameters(self, params: Mapping[str, Any]) -> Any:
        values: list[Any] = []
        for key, _out, process, default in self.binds:
            value = params.get(key, default)
            if value is _MISSING:
                raise KeyError(f"Prepared: no value for parameter {key!r}")
            values.append(process(value) if process is not None else value)
        if self.positional:
            return values
        return {bind[1]: value for bind, value in zip(self.binds, values, strict=True)}

    def rows(self, fetched: list[Any]) -> list[Any]:
        if self.row is None:
            return [tuple(row) for row in fetched]
        make = self.row._make
        readers = self.readers
        assert readers is not _MISSING, "read_with runs before rows"
        if readers is None:
            return [make(row) for row in fetched]
        return [make([value if read is None else read(value)
                      for read, value in zip(readers, row, strict=True)])  # type: ignore[call-overload]
                for row in fetched]


def _column_defaults(compiled: Any) -> dict[str, Any]:
    """Python-side column defaults of an INSERT/UPDATE the caller may leave out (SQLAlchemy's "prefetch")."""
    found: dict[str, Any] = {}
    for column in [*getattr(compiled, "insert_prefetch", ()), *getattr(compiled, "update_prefetch", ())]:
        default = column.default if column in getattr(compiled, "insert_prefetch", ()) else column.onupdate
        if default is None:
            continue
        if default.is_scalar:
            found[column.key] = default.arg
        else:
            raise TypeError(f"Prepared: {column} has a callable default; pass its value")
    return found


_CONNECTION = "prepared.connection"  # Session.info: (the transaction, its Connection)


def _connection(session: Session) -> Any:
    """The session's Connection in its current transaction (``Session.connection``, asked once per transaction)."""
    transaction = session.get_transaction()
    memo = session.info.get(_CONNECTION)
    if transaction is not None and memo is not None and memo[0] is transaction and not memo[1].invalidated:
        return memo[1]
    connection = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), connection)
    return connection


class Prepared:
    """A Core statement (or one per dialect name) run in a session's transaction on the driver's cursor.

    ``Prepared({"postgresql": pg_statement, "sqlite": sqlite_statement})`` for statements that differ
    by dialect (INSERT … ON CONFLICT).
    """

    def __init__(self, statement: Any, *, flush: bool = True) -> None:
        self._flush = flush  # False: pending ORM changes are not flushed first (BEGIN IMMEDIATE: they come after it)
        self._statements: Mapping[str, Any] | None = statement if isinstance(statement, Mapping) else None
        self._statement = None if isinstance(statement, Mapping) else statement
        self._compiled: dict[Any, _Compiled] = {}

    def _for(self, dialect: Any) -> _Compiled:
        found = self._compiled.get(dialect)
        if found is None:
            statement = self._statement if self._statements is None else self._statements[dialect.name]
            found = self._compiled[dialect] = _Compiled(statement, dialect)
        return found

    def _run(self, session: Session, params: Mapping[str, Any] | None) -> tuple[_Compiled, list[Any] | None]:
        if self._flush and session.autoflush:
            session.flush()  # pending ORM changes first, as before any query (returns at once when clean)
        connection = _connection(session)
        compiled = self._for(connection.dialect)
        arguments = compiled.parameters(params or {})
        if observers:
            for observe in observers:
                observe(compiled.sql, arguments)
        cursor = None
        try:
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(compiled.sql, arguments)
            fetched = cursor.fetchall() if compiled.returns_rows else None
            if compiled.readers is _MISSING and compiled.row is not None:
                compiled.read_with(cursor.description)
        except Exception as exc:  # noqa: BLE001 - translated (and the connection invalidated) as SQLAlchemy does
            if not isinstance(exc, connection.dialect.loaded_dbapi.Error):
                raise
            connection._handle_dbapi_exception(exc, compiled.sql, arguments, cursor, None)
            raise  # not reached: the call above always raises
        finally:
            if cursor is not None:
                cursor.close()
        return compiled, fetched

    def execute(self, session: Session, params: Mapping[str, Any] | None = None) -> None:
        """Run it for its effect."""
        self._run(session, params)

    def all(self, session: Session, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every row, as named tuples."""
        compiled, fetched = self._run(session, params)
        return compiled.rows(fetched or [])

    def first(self, session: Session, params: Mapping[str, Any] | None = None) -> Any:
        """The first row, or None."""
        compiled, fetched = self._run(session, params)
        return compiled.rows(fetched[:1])[0] if fetched else None

    def scalar(self, session: Session, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.first(session, params)
        return row[0] if row is not None else None


def values_of(table: Table, names: Sequence[str]) -> dict[str, Any]:
    """``{name: bindparam(name, type)}`` for ``insert(table).values(...)``: every named column a parameter."""
    from sqlalchemy import bindparam

    return {name: bindparam(name, type_=table.c[name].type) for name in names}


def unsaved(cls: type[_M], **values: Any) -> _M:
    """A new mapped object for ``insert_as_loaded``, its values set without the ORM's change events.

    ``Ticket(**values)`` fires an attribute event per value, then ``insert_as_loaded`` resets the
    history they recorded; this skips both. Later attribute changes are ordinary ones.
    """
    obj = inspect(cls).class_manager.new_instance()
    obj.__dict__.update(values)
    return obj  # type: ignore[no-any-return]


def detached_row(cls: type[_M], values: Mapping[str, Any]) -> _M:
    """A mapped object for a row just written, detached: every column readable, nothing tracked.

    For rows the caller only reads back (an outbox message's id, an event's id): adding them to the
    session would cost more than the INSERT. A change made to it is not saved.
    """
    obj = inspect(cls).class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    return obj  # type: ignore[no-any-return]


def attach_loaded(session: Session, cls: type[_M], values: Mapping[str, Any]) -> _M:
    """The mapped object of a row read with a ``Prepared`` statement, in the session as if loaded.

    ``values`` holds every column attribute by key. The object already in the
    session's identity map wins, as it does for an ORM query.
    """
    mapper = inspect(cls)
    key = mapper.identity_key_from_primary_key(tuple(values[column.key] for column in mapper.primary_key))
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)  # history reset, identity key set: as if read from the database
    session.add(obj)
    return obj  # type: ignore[no-any-return]


class _InsertPlan:
    """How ``insert_as_loaded`` writes one table: its columns, their attribute keys and scalar defaults."""

    def __init__(self, mapper: Any) -> None:
        table = mapper.local_table
        assert isinstance(table, Table)
        (primary,) = table.primary_key.columns
        self.primary_key = mapper.get_property_by_column(primary).key
        self.columns: list[tuple[str, str, Any]] = []
        for column in table.columns:
            if column.primary_key:
                continue
            if column.default is None:
                default = None
            elif column.default.is_scalar:
                default = column.default.arg
            else:
                default = _MISSING  # only an error when the object leaves the value unset
            self.columns.append((column.name, mapper.get_property_by_column(column).key, default))
        names = [name for name, _key, _default in self.columns]
        self.statement = Prepared(insert(table).values(values_of(table, names)).returning(primary))
        self.table = table.name


_PLANS: dict[Any, _InsertPlan] = {}


def insert_as_loaded(session: Session, obj: _M) -> _M:
    """INSERT a new mapped object with one prepared statement and attach it as if it had been loaded.

    For the webhook's hot path, where the ORM's unit of work costs several times the statement: the
    row is written at once (not at the next flush) and the object is in the session, unmodified,
    with its id and every column set, so reading an attribute issues no query. Column defaults
    must be Python scalars (a callable or server-side default would need the row read back).
    """
    mapper = inspect(obj).mapper
    plan = _PLANS.get(mapper)
    if plan is None:
        plan = _PLANS[mapper] = _InsertPlan(mapper)
    given = obj.__dict__
    values: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for name, key, default in plan.columns:
        value = given[key] if key in given else default
        if value is _MISSING:
            raise TypeError(f"{plan.table}.{name}: only scalar defaults can be known without a read")
        values[name] = attributes[key] = value
    attributes[plan.primary_key] = plan.statement.scalar(session, values)
    given.update(attributes)
    make_transient_to_detached(obj)  # every column set and history reset: no UPDATE at the next flush
    session.add(obj)
    return obj
