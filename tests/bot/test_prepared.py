"""bot/prepared.py: the hot path's statements behave as SQLAlchemy's own execution would, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, event, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from bot.db import Database
from bot.prepared import Prepared, attach_loaded, detached_row, insert_as_loaded, unsaved, values_of
from models import ConversationState, Identity, OutboxMessage, Person

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
_STATES = ConversationState.__table__
_SAVE = Prepared(insert(_STATES).values(values_of(
    _STATES, ("channel", "user_id", "state", "data", "expires_at", "updated_at"))).returning(_STATES.c.id))
_LOAD = Prepared(select(_STATES.c.id, _STATES.c.state, _STATES.c.data, _STATES.c.expires_at)
                 .where(_STATES.c.user_id == bindparam("user_id")))


def _state(user: str = "oPrepared") -> dict:
    return {"channel": "official_account", "user_id": user, "state": "tickets.ask_place",
            "data": {"place": "幸福里3栋", "n": 2}, "expires_at": NOW + timedelta(minutes=30), "updated_at": NOW}


def test_values_go_through_the_column_types_both_ways(db: Database) -> None:
    with db.session() as session:
        new_id = _SAVE.scalar(session, _state())
        row = _LOAD.first(session, {"user_id": "oPrepared"})
    assert row.id == new_id
    assert row.data == {"place": "幸福里3栋", "n": 2}  # JSON written and read back
    assert row.expires_at == NOW + timedelta(minutes=30) and row.expires_at.tzinfo is not None  # UTCDateTime
    with db.session() as session:  # and what SQLAlchemy itself reads is the same
        assert session.scalar(select(ConversationState.data)) == {"place": "幸福里3栋", "n": 2}


def test_a_naive_datetime_is_refused_as_the_column_type_refuses_it(db: Database) -> None:
    with pytest.raises(ValueError, match="naive"), db.session() as session:
        _SAVE.execute(session, {**_state(), "expires_at": datetime(2026, 12, 3, 9, 30)})


def test_no_row_reads_none(db: Database) -> None:
    with db.session() as session:
        assert _LOAD.first(session, {"user_id": "nobody"}) is None
        assert _LOAD.scalar(session, {"user_id": "nobody"}) is None
        assert _LOAD.all(session, {"user_id": "nobody"}) == []


def test_a_duplicate_raises_sqlalchemys_integrity_error_and_the_session_rolls_back(db: Database) -> None:
    with db.session() as session:
        _SAVE.execute(session, _state())
    with pytest.raises(IntegrityError), db.session() as session:
        _SAVE.execute(session, _state())
    with db.session() as session:  # the connection is usable again afterwards
        assert len(_LOAD.all(session, {"user_id": "oPrepared"})) == 1


def test_a_broken_statement_raises_sqlalchemys_error(db: Database) -> None:
    broken = Prepared(text("SELECT nothing FROM no_such_table"))
    with pytest.raises((OperationalError, ProgrammingError)), db.session() as session:
        broken.all(session)


def test_a_missing_parameter_is_named() -> None:
    with pytest.raises(KeyError, match="user_id"):
        _LOAD._for(Database("sqlite://").engine.dialect).parameters({})


def test_pending_orm_changes_are_written_before_the_statement(db: Database) -> None:
    count = Prepared(select(Person.__table__.c.id).where(Person.__table__.c.name == bindparam("name")))
    with db.session() as session:
        session.add(Person(name="王阿姨", created_at=NOW))
        assert len(count.all(session, {"name": "王阿姨"})) == 1


def test_writing_a_cached_table_is_refused() -> None:
    import handlers.tickets.service  # noqa: F401 - declares categories as cached (bot.cache.watch_tables)
    from models import Category

    watched = Prepared(insert(Category.__table__).values(slug=bindparam("slug"), name=bindparam("name")))
    with pytest.raises(TypeError, match="watched"):
        watched._for(Database("sqlite://").engine.dialect)


def test_insert_as_loaded_object_is_in_the_session_and_costs_no_update(db: Database) -> None:
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with db.session() as session:
        person = insert_as_loaded(session, Person(name="李强", created_at=NOW))
        assert person.id is not None and person in session
        assert session.get(Person, person.id) is person  # no query: the identity map has it
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT", "SELECT"))]
    with db.session() as session:
        assert session.get(Person, person.id).name == "李强"


def test_attach_loaded_prefers_the_object_the_session_already_has(db: Database) -> None:
    with db.session() as session:
        person = insert_as_loaded(session, Person(name="张主任", created_at=NOW))
        again = attach_loaded(session, Person, {"id": person.id, "code": None, "name": "other", "phone": None,
                                                "created_at": NOW})
        assert again is person and again.name == "张主任"
    with db.session() as session:
        found = attach_loaded(session, Person, {"id": person.id, "code": None, "name": "张主任", "phone": None,
                                                "created_at": NOW})
        found.phone = "13800001111"  # attached: a change is saved like any loaded object's
    with db.session() as session:
        assert session.get(Person, person.id).phone == "13800001111"


def test_identity_insert_needs_no_orm(db: Database) -> None:
    new_identity = Prepared(insert(Identity.__table__).values(values_of(
        Identity.__table__, ("person_id", "kind", "value", "account", "created_at"))))
    with db.session() as session:
        person = insert_as_loaded(session, Person(created_at=NOW))
        new_identity.execute(session, {"person_id": person.id, "kind": "openid", "value": "oX", "account": "",
                                       "created_at": NOW})
    with db.session() as session:
        assert session.scalar(select(Identity.person_id).where(Identity.value == "oX")) == person.id


def test_a_detached_row_reads_its_columns_without_a_session() -> None:
    row = detached_row(OutboxMessage, {"id": 7, "kind": "reply", "payload": {"a": 1}})
    assert (row.id, row.kind, row.payload) == (7, "reply", {"a": 1})


def test_an_unsaved_object_inserted_as_loaded_keeps_later_changes(db: Database) -> None:
    with db.session() as session:
        person = unsaved(Person, name="赵大爷", created_at=NOW)
        person.phone = "13900002222"  # an ordinary change before the insert
        insert_as_loaded(session, person)
        person.code = "zhao"  # and one after: saved at the commit
    with db.session() as session:
        saved = session.get(Person, person.id)
        assert (saved.name, saved.phone, saved.code) == ("赵大爷", "13900002222", "zhao")


def test_a_lock_taken_with_pending_changes_starts_the_write_transaction(db: Database) -> None:
    """On SQLite ``hold_lock`` sent BEGIN IMMEDIATE with ``connection.exec_driver_sql`` (no flush) before 1144377.
    Flushing the pending changes first opened pysqlite's implicit (deferred) transaction, so BEGIN IMMEDIATE
    failed with "cannot start a transaction within a transaction" - an OperationalError, which the webhook
    takes for an outage (bot.db.is_unavailable) and spools."""
    from bot.db import hold_lock

    with db.sessions() as session:
        person = Person(name="锁前", created_at=NOW)
        session.add(person)
        hold_lock(session, "review", "pending")
        session.commit()
    with db.session() as session:
        assert session.scalar(select(Person.id).where(Person.name == "锁前")) == person.id


def test_float_and_numeric_columns_read_as_sqlalchemy_reads_them(db: Database) -> None:
    """psycopg's numeric result processor needs the column's type code from the cursor (a TypeError with None)."""
    from decimal import Decimal

    from sqlalchemy import Float, Numeric, cast, literal

    statement = select(cast(literal(1.5), Float).label("f"), cast(literal(2.25), Numeric(10, 2)).label("n"))
    with db.session() as session:
        expected = session.execute(statement).one()
        row = Prepared(statement).first(session)
    assert (row.f, row.n) == (expected.f, expected.n) == (1.5, Decimal("2.25"))
    assert (type(row.f), type(row.n)) == (type(expected.f), type(expected.n))


def test_writing_a_cached_table_in_text_is_refused_too() -> None:
    """bot.cache sees a text() write by its words (cache._DML); a prepared one it would not see at all."""
    import handlers.tickets.service  # noqa: F401 - declares categories as cached (bot.cache.watch_tables)

    watched = Prepared(text("UPDATE categories SET name = :name WHERE slug = :slug"))
    with pytest.raises(TypeError, match="watched"):
        watched._for(Database("sqlite://").engine.dialect)
    Prepared(text("UPDATE conversation_states SET state = :state"))._for(Database("sqlite://").engine.dialect)
