"""A faithful local GupShup: the group REST API of the docs, on SQLite, with demo data."""
