"""The rules of the policy as plain code: people and roles, posts, follows, moderation, audit.

Nothing here imports Textual or a platform client (import-linter contracts and a
subprocess test keep it so).
"""
