"""Discord adapter tests (the audioop warning discord.py raises on import is filtered in pyproject.toml)."""
