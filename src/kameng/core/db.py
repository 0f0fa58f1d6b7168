"""Small database helpers shared by the domains."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import nullcontext

from django.db import connection, transaction
from django.db.models import JSONField, Model


def atomic_unless_in_transaction():
    """A transaction if the caller has none, else nothing.

    Services that are meant to run inside their caller's transaction use this instead of a nested
    ``atomic()`` (a SAVEPOINT and RELEASE per call, two round trips on every checkout). They must
    then refuse — raise their DomainError — before they write anything, so a caller that catches
    the error still holds a clean transaction."""
    if connection.in_atomic_block:
        return nullcontext()
    return transaction.atomic()


def insert_rows(objs: Sequence[Model]) -> None:
    """INSERT new instances of one model in one statement and set their primary keys: what
    ``bulk_create`` does (no signals, each field's ``pre_save`` and database preparation), without
    its per-call query building, which costs more CPU than the insert on the hot paths that use it
    (a checkout writes several such rows). PostgreSQL and SQLite ≥ 3.35 return the new ids in
    the order of the rows, which is what ``bulk_create`` relies on too."""
    if not objs:
        return
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql" and len(objs) > UNNEST_FROM:
        # Many rows: one array parameter per column instead of one placeholder per value, so the
        # statement stays short (psycopg parses every placeholder of every statement it sends).
        arrays = ", ".join(f"%b::{_array_type(f)}" for f in fields)  # binary: no per-element escaping
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM unnest({arrays}) "  # noqa: S608
            f"RETURNING {quote(meta.pk.column)}"
        )
        params = [_column(f, objs) for f in fields]
    else:
        values = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(objs))} "  # noqa: S608
            f"RETURNING {quote(meta.pk.column)}"
        )
        params = [v for row in values for v in row]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = cursor.fetchall()
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


UNNEST_FROM = 20  # rows; below this a VALUES list is as cheap


def _array_type(field) -> str:
    """The PostgreSQL array type of a column: varchar(80) → varchar(80)[], jsonb → text[] (cast
    per element below, since psycopg sends JSON values of a list as text)."""
    db_type = field.db_type(connection)
    if db_type == "jsonb":
        return "text[]::jsonb[]"
    return f"{db_type}[]"


def _column(field, objs) -> list:
    """One column's values as an array parameter: plain Python values psycopg sends in binary
    (JSON as its text, like JSONField.get_prep_value), with the field's pre_save where it has one
    (auto_now and the like). Cheaper than get_db_prep_save per value, which bulk_create pays."""
    if isinstance(field, JSONField):
        return [json.dumps(getattr(obj, field.attname), cls=field.encoder) for obj in objs]
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return [field.pre_save(obj, True) for obj in objs]
    return [getattr(obj, field.attname) for obj in objs]
