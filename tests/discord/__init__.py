"""Discord adapter tests.

discord.py imports ``audioop`` (voice support, unused here), which warns on Python 3.11+;
the suite turns warnings into errors, so import it once with that one warning silenced.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401
