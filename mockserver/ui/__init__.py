"""The dashboard (``/_mock/ui``): static pages the fake serves itself, read once at start-up.

The page is plain HTML, CSS and JavaScript written for this project (no framework, no build
step, nothing fetched from elsewhere); everything it shows it reads from the admin API and the
public APIs, as a script would. This layer serves only the files: it sits outside the harness
(mockserver/admin/middleware.py) because the page itself needs no admin key (its login form
asks for it) and is no API traffic to journal. Every other request passes through untouched.
"""

from __future__ import annotations

from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import __version__

UI_PATH = "/_mock/ui"
_HERE = Path(__file__).resolve().parent
_TYPES = {
    ".html": b"text/html; charset=utf-8",
    ".js": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
}
# Only this origin's scripts, styles and requests: the dashboard works offline, and a record's
# data shown in it can never load anything.
_HEADERS = [
    (b"cache-control", b"no-cache"),
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"llamacloud-mock-version", __version__.encode()),
]

ROOT_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>llamacloud-mock {__version__}</title></head>
<body><h1>llamacloud-mock {__version__}</h1>
<p>A local fake of the LlamaCloud APIs. Point an SDK at this address with any API key.</p>
<ul><li><a href="{UI_PATH}">The dashboard</a>: the fake's state, jobs, workflow runs, clock and traffic</li>
<li><a href="/_mock/health">/_mock/health</a>: the admin API (see the project's docs)</li></ul>
</body></html>
""".encode()


def _assets() -> dict[str, tuple[bytes, bytes]]:
    """path -> (content type, bytes) of every file of the dashboard."""
    files = {
        f"{UI_PATH}/{path.name}": (_TYPES[path.suffix], path.read_bytes())
        for path in sorted(_HERE.iterdir())
        if path.suffix in _TYPES
    }
    page = files[f"{UI_PATH}/index.html"]
    return {**files, UI_PATH: page, f"{UI_PATH}/": page, "/": (_TYPES[".html"], ROOT_PAGE)}


class DashboardMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app
        self.assets = _assets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = scope["path"]
            if path == "/" or path.startswith(UI_PATH):
                await self._serve(path, scope["method"] == "HEAD", send)
                return
        await self.app(scope, receive, send)

    async def _serve(self, path: str, head: bool, send: Send) -> None:
        content_type, body = self.assets.get(path, (_TYPES[".html"], b""))
        status = 200 if path in self.assets else 404
        if status == 404:
            body = f"No such page of the dashboard: {path}. Open {UI_PATH}.".encode()
            content_type = b"text/plain; charset=utf-8"
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *_HEADERS]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})
