"""The engine and the use cases. No SQLAlchemy and no click in here."""
