"""Commands of this area are registered here (see serving/cli/__init__.py)."""
