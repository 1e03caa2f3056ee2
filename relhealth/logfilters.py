"""Keep check-in tokens out of the logs.

Django logs the path of every 4xx ("Not Found: /c/<token>/") and runserver every request; a token
beside a time would pair a person with a moment of submitting. Every handler gets this filter.
"""

import logging
import re

_CHECKIN_PATH = re.compile(r"/c/(?!thanks/)[^/\s\"?]+")
# A conversation's secret is its only key (ADR 0031): never in a log line either.
_CONVERSATION_PATH = re.compile(r"/t/[^/\s\"?]+")


def redact_checkin_tokens(text: str) -> str:
    return _CONVERSATION_PATH.sub("/t/[redacted]", _CHECKIN_PATH.sub("/c/[redacted]", text))


class RedactCheckinTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_checkin_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
