"""``goldbook serve``: the built book over HTTP, for colleagues on the same network segment.

Python's own ``http.server``, one thread per connection, serving the files of ``_build/html`` as
they are: GET and HEAD only, and no folder listings (a folder without ``index.html`` is a 404).
The book loads nothing from the internet, so this is all a colleague's browser needs. A rebuild
swaps ``_build/html`` whole, and the next request already reads the new book.

It listens on every IPv4 interface (``0.0.0.0``) unless told otherwise, as ``python -m
http.server`` does, because reaching colleagues is what the command is for: the loopback address
(``127.0.0.1``, the default of development servers such as ``mkdocs serve`` or Jupyter) reaches
no one else, and the address of one interface breaks ``localhost`` and stops working when the
address changes (DHCP, a VPN, a second network card). What it serves is what the book already
shows every reader (per-employee summaries are outside it, in ``restricted/``); ``--bind
127.0.0.1`` keeps it to this machine. It prints the URL for this machine and one for each of the
machine's own network addresses (psutil), the ones colleagues type.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import psutil

from ..base.paths import get_paths

DEFAULT_PORT = 8000
DEFAULT_BIND = "0.0.0.0"   # every IPv4 interface: see the module's note
EVERYWHERE = ("0.0.0.0", "::", "")


class ServeError(Exception):
    """The book cannot be served as asked; printed as is."""


class _Handler(SimpleHTTPRequestHandler):
    def list_directory(self, path):   # no listings: a folder shows its index.html or nothing
        self.send_error(HTTPStatus.NOT_FOUND, "Not found")
        return None


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True   # restart at once after Ctrl-C (connections in TIME_WAIT), never beside a live server
    allow_reuse_port = False     # never share the port with another server
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


# --- pure --------------------------------------------------------------------------------------

def shareable(addresses: list[str]) -> list[str]:
    """The IPv4 addresses colleagues can reach this machine at: no loopback, no link-local
    (169.254.x.x, an interface that got no address), no duplicates, in numeric order."""
    found = set()
    for text in addresses:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            continue
        if ip.version == 4 and not ip.is_loopback and not ip.is_link_local and not ip.is_unspecified:
            found.add(ip)
    return [str(ip) for ip in sorted(found)]


def urls(bind: str, port: int, addresses: list[str]) -> list[tuple[str, str]]:
    """``[(who, url)]`` to print: listening everywhere, ``this machine`` (localhost) and
    ``colleagues`` at each of ``addresses``; else the one address listened on."""
    if bind in EVERYWHERE:
        return [("this machine", f"http://localhost:{port}/"),
                *(("colleagues", f"http://{a}:{port}/") for a in shareable(addresses))]
    host = f"[{bind}]" if ":" in bind else bind
    who = "this machine" if _loopback(bind) else "colleagues"
    return [(who, f"http://{host}:{port}/")]


def _loopback(bind: str) -> bool:
    if bind == "localhost":
        return True
    try:
        return ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return False


# --- the edge ----------------------------------------------------------------------------------

def book_folder(root=None) -> Path:
    """``_build/html`` of the data root; ServeError when there is no built book."""
    paths = get_paths(root)
    folder = paths.build / "html"
    if not (folder / "index.html").is_file():
        raise ServeError(f"the book is not built ({paths.rel(folder) or folder}/index.html is missing): "
                         "run `goldbook build` (or `make book`) first")
    return folder


def machine_addresses() -> list[str]:
    """This machine's IPv4 addresses, one per interface (loopback included)."""
    return [a.address for addrs in psutil.net_if_addrs().values() for a in addrs if a.family == socket.AF_INET]


def open_server(folder: Path, bind: str = DEFAULT_BIND, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """A server for ``folder`` listening on ``bind``:``port`` (port 0: any free one); ServeError,
    one sentence, when it cannot listen there."""
    if not 0 <= port <= 65535:
        raise ServeError(f"--port {port}: a port is a number from 1 to 65535 (0: any free one)")
    server_class = _Server6 if ":" in bind else _Server
    handler = partial(_Handler, directory=str(folder))
    try:
        return server_class((bind, port), handler)
    except socket.gaierror:
        raise ServeError(f"--bind {bind}: not an address or host name of this machine") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} is already in use on {bind or 'every interface'}: choose another "
                             f"(--port {port + 1}, or make serve PORT={port + 1})") from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"port {port} needs administrator rights: choose one above 1023 (--port 8000)") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise ServeError(f"--bind {bind}: not an address of this machine") from None
        raise ServeError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None


def serve(root=None, port: int = DEFAULT_PORT, bind: str = DEFAULT_BIND,
          say: Callable[[str], None] = print) -> int:
    """Serve the built book until Ctrl-C; print where colleagues open it. Exit code 0."""
    folder = book_folder(root)
    server = open_server(folder, bind, port)
    port = server.server_address[1]
    shown = get_paths(root).rel(folder) or str(folder)
    try:
        say(f"serving {shown}/ on port {port} (Ctrl-C stops it); open:")
        for who, url in urls(bind, port, machine_addresses()):
            say(f"  {who + ':':<14}{url}")
        if _loopback(bind):
            say("only this machine can open it; --bind 0.0.0.0 shares it on the network")
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.server_close()
    return 0
