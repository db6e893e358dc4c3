"""Persistence: SQLModel tables, repositories, engine factory and Alembic migrations."""
