"""A schedule URL on loopback that answers late: a mirror having a bad day, for the tests and the benchmarks."""

from __future__ import annotations

import http.server
import threading


class SlowSource:
    """Serves ``body`` at ``path`` after ``delay`` seconds (or once ``release`` is set); 404 for any other path."""

    def __init__(self, body: bytes, delay: float | None = None, path: str = "/indri/schedule.yaml") -> None:
        self.release = threading.Event()
        self.asked = threading.Event()
        self.requests = 0
        slow = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != path:  # the files an importer looks for beside it: there are none
                    self.send_error(404)
                    return
                slow.requests += 1
                slow.asked.set()
                if delay is None:
                    slow.release.wait(60)
                else:
                    slow.release.wait(delay)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
