"""Points (``points``), the boards' running totals (``scoreboard``), leaderboards and member stats."""
