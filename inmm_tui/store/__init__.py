"""The SQLite database: opened the same way by both programs, schema by sqlite-utils migrations."""
