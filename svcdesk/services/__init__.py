"""Use cases: each runs in one transaction and records what it changed."""
