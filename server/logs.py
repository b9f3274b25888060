"""No secret in any log line: query-string values whose name says they are secret are masked.

Clients put keys in URLs (`?api_key=...`, `?token=...`) even when the API asks for a header, and
uvicorn's access log writes the full path with its query string. This filter rewrites such values
to `***` in every record of the loggers it is installed on, message and arguments alike.
"""

from __future__ import annotations

import logging
import re

_SECRET_PARAM = re.compile(
    r"(?P<name>[?&;](?:[^=&;#\s]*?)(?:key|token|secret|password|passwd|pwd|auth|signature|sig|session)[^=&;#\s]*=)"
    r"[^&;#\s\"']*",
    re.IGNORECASE,
)
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "fastapi", "server")


def redact(text: str) -> str:
    """`text` with secret-looking query values masked: "/v1/models?api_key=sk-1&x=1" -> "/v1/models?api_key=***&x=1"."""
    return _SECRET_PARAM.sub(lambda m: m.group("name") + "***", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install() -> None:
    """Mask secrets in the server's loggers (call after uvicorn has configured logging)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
