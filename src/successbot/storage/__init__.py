"""The SQL side: typed models, engines and the Alembic migrations runner, the stores
that implement the core's ports, and copying a database.
"""
