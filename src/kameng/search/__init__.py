"""搜索: Chinese full-text search over the knowledge base and the community (jieba words, ranked,
highlighted, with an editable synonym list), on SQLite FTS5 and PostgreSQL."""
