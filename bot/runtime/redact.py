"""Keep per-interaction credentials out of the logs, at every level.

At DEBUG, discord.py logs gateway payloads and webhook URLs that carry interaction tokens, and
Bolt logs request bodies with Slack's ``response_url``: each lets whoever reads the log reply
as the bot for 15 to 30 minutes.  Records are redacted as they are made (a log record
factory), so no handler, whoever configured it, ever sees the credential.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "<redacted>"
_PATTERNS = (
    # Discord interaction tokens: in webhook and callback URLs, and as "token" in payloads.
    (re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.\-]{16,}"), r"\1" + REDACTED),
    (re.compile(r"""(['"]token['"]\s*:\s*['"])[^'"]{16,}"""), r"\1" + REDACTED),
    # Slack response URLs (plain or form-encoded) and tokens.
    (re.compile(r"https(?::|%3A)(?://|%2F%2F)hooks\.slack\.com[^\s'\"&,}]*", re.IGNORECASE),
     "https://hooks.slack.com/" + REDACTED),
    (re.compile(r"""(response_url['"]?\s*[:=]\s*['"]?)[^\s'"&,}]+"""), r"\1" + REDACTED),
    (re.compile(r"\bxox[abposre]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+"), REDACTED),
)
_HINTS = ("/webhooks/", "/interactions/", "token", "hooks.slack.com", "response_url", "xox", "xapp-")


def redact(text: str) -> str:
    """``text`` with every credential pattern above replaced by ``<redacted>``."""
    if not any(h in text for h in _HINTS):
        return text
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def install() -> None:
    """Redact every log record from now on (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "drill_redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it itself, later
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return record

    factory.drill_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
