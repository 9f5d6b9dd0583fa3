"""Log configuration shared by the application and uvicorn.

Every line goes through one formatter that escapes control characters, so a request path
or header with `%0A` in it cannot forge a log line.
"""

import logging
from typing import Any, Final

_CONTROL: Final = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)} | {
    code: f"\\u{code:04x}" for code in (*range(0x80, 0xA0), 0x2028, 0x2029)
}
FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class EscapingFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:
        """The line itself; a traceback, appended after it, keeps its own newlines."""
        return super().formatMessage(record).translate(_CONTROL)


def log_config(level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn's `log_config`, covering our loggers too."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "escaped",
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"escaped": {"()": EscapingFormatter, "format": FORMAT}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
    }


def configure(level: str) -> None:
    import logging.config

    logging.config.dictConfig(log_config(level))
