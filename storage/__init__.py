"""SQLAlchemy models, migrations, the WARC archive and the query functions."""
