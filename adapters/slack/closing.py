"""A Socket Mode shutdown's expected failure, logged as what it is.

`drillbot run` closes the socket first when it stops, so Slack sends no new envelopes and
redelivers the unacknowledged ones to the next connection.  An envelope that arrived just
before the close is then still being dispatched: when Bolt sends its acknowledgement, the socket
is gone and slack-sdk logs ``ERROR ... Failed to run a request listener: Cannot write to
closing transport`` with a traceback.  Nothing is lost (the envelope was never acknowledged, so
Slack sends it again), so while the runner is closing such records become one WARNING line.
"""

from __future__ import annotations

import logging

LOGGER = "slack_bolt"  # Bolt hands its logger to the Socket Mode client
_SIGNS = ("Cannot write to closing transport", "is no longer active")


class ClosingSocket(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.active = False

    def filter(self, record: logging.LogRecord) -> bool:
        if self.active and record.levelno >= logging.ERROR and any(s in record.getMessage() for s in _SIGNS):
            record.msg = (f"{record.getMessage()} (shutting down: the envelope was not acknowledged, so "
                          "Slack sends it again)")
            record.args = ()
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


FILTER = ClosingSocket()
logging.getLogger(LOGGER).addFilter(FILTER)
