"""Serve the built site on localhost, with the right MIME types for Pyodide.

``python build/serve.py [--port 8000] [--prefix /digits-from-scratch/]``. With ``--prefix`` the
site is served under that sub-path, as GitHub Pages serves a project site.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import sys
import threading
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
MIME = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json"}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files from ``directory``, optionally below a URL ``prefix``."""

    prefix = "/"
    extensions_map: ClassVar[dict[str, str]] = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME}

    def translate_path(self, path: str) -> str:
        if self.prefix != "/":
            if not path.startswith(self.prefix):
                return str(Path(self.directory) / "__outside_prefix__")  # -> 404
            path = "/" + path[len(self.prefix) :]
        return super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def make_server(
    site: Path, port: int = 0, prefix: str = "/", verbose: bool = False, handler: type = SiteHandler
) -> http.server.ThreadingHTTPServer:
    """A server for ``site`` on 127.0.0.1 (port 0: any free port), answering with ``handler`` (a
    SiteHandler; the tests give theirs, which fault or count); call ``serve_forever``."""
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    handler = type("Handler", (handler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(site)))
    server.verbose = verbose
    server.daemon_threads = True
    return server


def serve_in_thread(
    site: Path, prefix: str = "/", handler: type = SiteHandler
) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Start a server (``handler``: see make_server) in a background thread; returns it and the
    site's base URL."""
    server = make_server(site, 0, prefix, handler=handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}{'/' + prefix.strip('/') + '/' if prefix.strip('/') else '/'}"
    return server, base


def main() -> int:
    parser = argparse.ArgumentParser(description="Serve the built site.")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--prefix", default="/", help="serve the site below this path, e.g. /digits-from-scratch/")
    parser.add_argument("--site", type=Path, default=ROOT / "_site")
    args = parser.parse_args()
    if not (args.site / "index.html").exists():
        print(f"{args.site} has no index.html: build it first with `make build`.", file=sys.stderr)
        return 1
    server = make_server(args.site, args.port, args.prefix, verbose=True)
    prefix = "/" + args.prefix.strip("/") + "/" if args.prefix.strip("/") else "/"
    print(f"Serving {args.site} at http://127.0.0.1:{server.server_address[1]}{prefix} (Ctrl+C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
