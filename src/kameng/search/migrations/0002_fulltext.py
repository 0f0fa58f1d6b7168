"""The full-text index, one per database (see kameng/search/backends.py).

SQLite: an FTS5 table with the document table as external content, and the three triggers of
the FTS5 manual that keep it in step with every insert, update and delete (bulk_create too).
PostgreSQL: a stored generated tsvector built from the pre-cut terms without a text-search
parser (title lexemes weight A, body B), with a GIN index."""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title_terms, body_terms,
        content='search_searchdocument', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER search_doc_ai AFTER INSERT ON search_searchdocument BEGIN
        INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
    END""",
    """CREATE TRIGGER search_doc_ad AFTER DELETE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
            VALUES ('delete', old.id, old.title_terms, old.body_terms);
    END""",
    """CREATE TRIGGER search_doc_au AFTER UPDATE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
            VALUES ('delete', old.id, old.title_terms, old.body_terms);
        INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_doc_au",
    "DROP TRIGGER IF EXISTS search_doc_ad",
    "DROP TRIGGER IF EXISTS search_doc_ai",
    "DROP TABLE IF EXISTS search_fts",
]

# Each space-separated term becomes a lexeme 'term':position + weight; body positions continue
# after the title's (plus one, so a phrase never spans title and body); 16383 is tsvector's
# largest position.
POSTGRES_FORWARD = [
    r"""CREATE FUNCTION search_terms_vector(title text, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(string_agg(
          '''' || replace(replace(t.term, '\', '\\'), '''', '''''') || ''':' || least(t.pos, 16383) || t.w,
          ' '), '')::tsvector
      FROM (
        SELECT u.term, u.pos, 'A' AS w FROM unnest(string_to_array(title, ' ')) WITH ORDINALITY AS u(term, pos)
        UNION ALL
        SELECT u.term, u.pos + coalesce(array_length(string_to_array(title, ' '), 1), 0) + 1, 'B'
          FROM unnest(string_to_array(body, ' ')) WITH ORDINALITY AS u(term, pos)
      ) AS t
      WHERE t.term <> ''
    $$""",
    """ALTER TABLE search_searchdocument ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (search_terms_vector(title_terms, body_terms)) STORED""",
    "CREATE INDEX search_document_vector_gin ON search_searchdocument USING gin (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_vector_gin",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS search_terms_vector(text, text)",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
