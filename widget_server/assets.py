"""Static files under content-hashed URLs (long, immutable caching) and the templates dir.

Both directories ship inside the wheel (`widget_server/static`, `widget_server/templates`);
in a checkout they sit beside the package.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

IMMUTABLE = "public, max-age=31536000, immutable"
BRIEF = "public, max-age=300"


def resource_dir(name: str) -> Path:
    package = Path(__file__).resolve().parent
    for candidate in (package / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name}/ is neither in the package nor beside it")


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    hashed_name: str


class StaticAssets:
    """Every file of `static/`, read once; `url(name)` gives its hashed URL."""

    def __init__(self, directory: Path, prefix: str = "/static/") -> None:
        self._prefix = prefix
        self._by_name: dict[str, Asset] = {}
        self._by_hashed: dict[str, Asset] = {}
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            if path.name.startswith("."):
                continue
            name = path.relative_to(directory).as_posix()
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:10]
            stem, dot, ext = name.rpartition(".")
            media = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if media.startswith("text/") or media.endswith("javascript"):
                media += "; charset=utf-8"
            asset = Asset(body, media, f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}")
            self._by_name[name] = asset
            self._by_hashed[asset.hashed_name] = asset

    def url(self, name: str) -> str:
        return self._prefix + self._by_name[name].hashed_name

    def get(self, name: str) -> Asset | None:
        return self._by_name.get(name)

    async def serve(self, request: Request) -> Response:
        path = str(request.path_params["path"])
        asset = self._by_hashed.get(path)
        control = IMMUTABLE
        if asset is None:
            asset, control = self._by_name.get(path), BRIEF
        if asset is None:
            return Response("Not found", 404, media_type="text/plain")
        return Response(asset.body, media_type=asset.media_type, headers={
            "Cache-Control": control, "X-Content-Type-Options": "nosniff",
            "Access-Control-Allow-Origin": "*"})
