"""Multi-question sessions: room for the live group quiz and the mock interview (not built yet)."""
