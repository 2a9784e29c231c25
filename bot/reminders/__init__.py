"""Reminders members opt in to: reviews due at their chosen hour, and the daily question closing soon."""
