"""Server logs: ``log_format`` standard or json, each line carrying the id of the
request it was written for (a context variable the HTTP layer sets).

Only the request id is attached: the code never logs tokens or request bodies,
and nothing here adds them.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import TextIO

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_LEVEL_NAMES = {"WARNING": "warn", "CRITICAL": "error"}


class RequestIdFilter(logging.Filter):
    """Copies the current request id onto every record (``""`` outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _module(record: logging.LogRecord) -> str:
    return record.name.removeprefix("pyvault.")


class JSONFormatter(logging.Formatter):
    """hclog's JSON layout, as Vault writes with ``log_format = "json"``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "@level": _LEVEL_NAMES.get(record.levelname, record.levelname.lower()),
            "@message": record.getMessage(),
            "@module": _module(record),
            "@timestamp": _timestamp(record),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["@exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class StandardFormatter(logging.Formatter):
    """``2026-01-02T03:04:05.678Z [INFO]  core: message: request_id=…``"""

    def format(self, record: logging.LogRecord) -> str:
        level = _LEVEL_NAMES.get(record.levelname, record.levelname.lower()).upper()
        text = f"{_timestamp(record)} [{level}] {' ' * (5 - len(level))}" \
               f"{_module(record)}: {record.getMessage()}"
        request_id = getattr(record, "request_id", "")
        if request_id:
            text += f": request_id={request_id}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def configure(level: int, log_format: str, stream: TextIO) -> None:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JSONFormatter() if log_format == "json" else StandardFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
