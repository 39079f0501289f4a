"""A tiny SMTP server on loopback that accepts every message and keeps it in memory (the relay Dovecot's
submission service hands mail to). Written here so tests need no extra package."""

import socketserver
import threading
from dataclasses import dataclass, field

from .process import LOOPBACK


@dataclass
class Message:
    mail_from: str
    rcpt_to: list[str]
    data: bytes


@dataclass
class SmtpSink:
    messages: list[Message] = field(default_factory=list)
    port: int = 0

    def __enter__(self) -> "SmtpSink":
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 30

            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 sink.test ESMTP")
                mail_from, rcpt_to = "", []
                while True:
                    raw = self.rfile.readline(65536)
                    if not raw:
                        return
                    command = raw.decode("latin-1").strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.wfile.write(b"250-sink.test\r\n250-8BITMIME\r\n250 PIPELINING\r\n")
                    elif verb == "MAIL":
                        mail_from, rcpt_to = command[10:].strip(), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        rcpt_to.append(command[8:].strip())
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        lines = []
                        while (line := self.rfile.readline(1 << 20)) not in (b".\r\n", b".\n", b""):
                            lines.append(line[1:] if line.startswith(b"..") else line)
                        sink.messages.append(Message(mail_from, rcpt_to, b"".join(lines)))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP and anything else
                        self.reply("250 OK")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server((LOOPBACK, 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
