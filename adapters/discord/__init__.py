"""Discord adapter (discord.py): slash commands, buttons, modals and daily posts."""
