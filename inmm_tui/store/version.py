"""How many migrations the code ships, readable without importing sqlite-utils.

`--report` and the UI (`store.db.is_current`) compare it with `_sqlite_migrations` to know
whether they may read the file as it is (fast, no sqlite-utils) or must migrate it. A test keeps
it equal to the migrations registered in `schema.py`.
"""

MIGRATION_SET = "inmm"
MIGRATION_COUNT = 19
