"""inmm-tui: the INMM's social-media accounts, run the way its Social Media Policy says."""

__version__ = "0.1.0"
