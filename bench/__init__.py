"""Benchmarks of the practice search: relevance and speed against a plain SQLite FTS5 baseline."""
