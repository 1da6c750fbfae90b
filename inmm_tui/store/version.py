"""How many migrations the code ships, readable without importing sqlite-utils.

`--report` compares it with `_sqlite_migrations` to know whether it may read the file
as it is (fast) or must open it through `open_database` (which migrates). A test keeps
it equal to the migrations registered in `schema.py`.
"""

MIGRATION_SET = "inmm"
MIGRATION_COUNT = 18
