"""Reading log files back: ``alonechat.log`` and its numbered backups (plain or gzip), oldest
to newest, in alonechat's layouts (the default text format, JSON lines with alonechat's flat
keys or with Elastic Common Schema names), filtered, and followed while they grow and rotate.
What ``python -m alonechat logs`` shows.

Typical use::

    from alonechat.core.logging.viewer import RecordFilter, read_records

    for record in read_records("./logs/prod", RecordFilter(level=40, loggers=("app",))):
        print(record.to_text())
"""

from ._filters import RecordFilter
from ._grep import Pattern, parse_pattern
from ._lines import LINE_LIMIT, LineReader
from ._reading import ERRORS_FILE, LOG_FILE, LogReader, log_files, read_records
from ._records import Record
from ._stats import Stats
from ._values import level_rank, parse_level, parse_time

__all__ = [
    "ERRORS_FILE",
    "LINE_LIMIT",
    "LOG_FILE",
    "LineReader",
    "LogReader",
    "Pattern",
    "Record",
    "RecordFilter",
    "Stats",
    "level_rank",
    "log_files",
    "parse_level",
    "parse_pattern",
    "parse_time",
    "read_records",
]
