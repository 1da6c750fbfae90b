"""Shared fixtures. Each area keeps its own in a module imported here."""

from tests.sandbox_fixtures import _sandbox_server, sandbox  # noqa: F401
