"""The organisation: people, teams (a tree), roles, and install-wide settings."""
