"""Syslog sink: records as syslog messages over UDP, a unix socket or TCP, without ever
blocking or breaking the application.

The sink frames each record (``_syslog_format``) and hands the frame to its transport, which
says how it is sent and what happens when the server is slow or gone: ``_syslog_datagram``
for UDP and unix sockets (sent by the caller; dropped while the server is unreachable),
``_syslog_tcp`` for TCP (sent by a daemon thread; held while the server is unreachable, up
to ``buffer`` messages); what both share (reconnecting, outage warnings, losses, exit and
fork) is ``_syslog_transport``.
"""

from __future__ import annotations

from typing import Any

from ._config import app_name, parse_address
from ._report import Losses
from ._syslog_datagram import DatagramTransport
from ._syslog_format import fit_bytes, hostname, local_header, priority, rfc5424_header
from ._syslog_tcp import TcpTransport
from ._syslog_transport import Transport


class SyslogSink:
    """Sends each record as one syslog message to ``address`` (``scheme`` is ``udp``,
    ``tcp`` or ``unix``).

    Over UDP and TCP a message is RFC 5424, ``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - -
    MSG``; on a unix socket it is what local daemons (rsyslog's and journald's ``/dev/log``)
    parse, ``<PRI>Mmm dd hh:mm:ss APP-NAME[PROCID]: MSG``. MSG is the record as the layout
    wrote it (alonechat's JSON: ASCII, so no BOM is needed). A message longer than
    ``max_bytes`` has its long JSON strings cut to one length (``fit_bytes``), so that it
    stays valid JSON.

    Raises:
        ValueError: ``address`` or ``app`` cannot be used (naming it).
    """

    def __init__(
        self, address: str, *, facility: str, app: str, buffer: int, max_bytes: int
    ) -> None:
        self.address = address
        self.scheme, target = parse_address(address, "syslog address")
        self._facility = facility
        self._app = app_name(app, "app")
        self._host = hostname()
        self.buffer, self.max_bytes = buffer, max_bytes
        self._transport: Transport
        if self.scheme == "tcp" and not isinstance(target, str):
            self._transport = TcpTransport(address, target, buffer)
        else:  # connects now, while configuring
            self._transport = DatagramTransport(address, target)

    @property
    def losses(self) -> Losses:
        """Messages that could not be sent (in this process)."""
        return self._transport.losses

    def write(self, message: Any) -> None:
        """Send ``message`` (a loguru message, with its ``record``), or queue it (TCP);
        never raises: a message that cannot be sent is dropped, with a warning."""
        try:
            frame = self._frame(message.record, message.rstrip("\n"))
            if frame is not None:
                self._transport.send(frame)
        except Exception as exc:
            self._transport.drop("error", f"{exc!r}")

    def wait(self, timeout: float = 2.0) -> bool:
        """Wait until every queued message is sent; give up after ``timeout`` seconds or at
        once while the server is unreachable. Returns whether all were sent."""
        return self._transport.wait(timeout)

    def stop(self) -> None:
        """Send what is queued and close, within about 3 s; idempotent. Messages still
        queued then are reported on stderr; later messages are dropped (with one warning)."""
        self._transport.stop()

    def _frame(self, record: Any, body: str) -> bytes | None:
        """The syslog message of ``record`` (UTF-8), within ``max_bytes``; None (dropped,
        with a warning) when ``body`` cannot be cut to fit."""
        pri, pid = priority(self._facility, record["level"].no), record["process"].id
        if self.scheme == "unix":
            header = local_header(pri, record["time"], self._app, pid)
        else:
            header = rfc5424_header(pri, record["time"], self._host, self._app, pid)
        frame = (header + body).encode("utf-8", "backslashreplace")
        if len(frame) > self.max_bytes:
            fitted = fit_bytes(body, self.max_bytes - len(header.encode()))
            if fitted is None:
                self._transport.drop("size", f"a {len(frame)}-byte message does not fit max_bytes")
                return None
            frame = (header + fitted).encode("utf-8", "backslashreplace")
        return frame
