"""What every service refuses before a route sees it: a body over the size limit (413), a JSON
body that does not parse (422), and text PostgreSQL cannot store (422).

A pure ASGI middleware: it counts the bytes as they arrive, so a chunked body without a
``Content-Length`` is stopped at the limit as well, then hands the route the body it read.
PostgreSQL's ``text`` cannot hold the NUL character (U+0000): one in a JSON string (or key), a
path, a query value or a header would pass the API and fail later in a read model that must
store it, so it is refused here, once for every service, naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tak_platform.problems import Loc, problem_body

NUL = "\x00"


class InputGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (refusal := self._refuse_head(scope)) is not None:
            await refusal(scope, receive, send)
            return
        try:
            body = await _read(receive, self.max_body_bytes)
        except _TooLarge:
            await self._too_large()(scope, receive, send)
            return
        if body is None:  # the client went away
            return
        if (refusal := _refuse_body(scope, body)) is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _refuse_head(self, scope: Scope) -> JSONResponse | None:
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            return self._too_large()
        loc = _nul_in_request_line(scope)
        return _nul_refusal(loc) if loc is not None else None

    def _too_large(self) -> JSONResponse:
        limit = self.max_body_bytes
        return JSONResponse(
            problem_body(
                ["body"],
                f"the request body is larger than {limit} bytes",
                kind="body_too_large",
                fix=f"send at most {limit} bytes (the service's TAK_MAX_BODY_BYTES)",
            ),
            status_code=413,
        )


class _TooLarge(Exception):
    pass


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body (None if the client went away); ``_TooLarge`` once it passes ``limit``."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _content_length(scope: Scope) -> int | None:
    declared = Headers(scope=scope).get("content-length", "")
    return int(declared) if declared.isdigit() else None


def _nul_in_request_line(scope: Scope) -> Loc | None:
    if NUL in scope["path"]:
        return ["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if NUL in name or NUL in value:
            return ["query", name.replace(NUL, "")]
    for name, value in scope["headers"]:
        if b"\x00" in value:
            return ["header", name.decode("latin-1")]
    return None


def _refuse_body(scope: Scope, body: bytes) -> JSONResponse | None:
    if not body or not _is_json(scope):
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
        return _not_json(exc)
    loc = next(_nul_paths(document), None)
    return _nul_refusal(["body", *loc]) if loc is not None else None


def _is_json(scope: Scope) -> bool:
    media = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _nul_paths(document: Any) -> Iterator[Loc]:
    """The path of every string (or key) in the document that holds a NUL, depth first."""
    stack: list[tuple[Loc, Any]] = [([], document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and NUL in value:
            yield path
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                if NUL in key:
                    yield [*path, key.replace(NUL, "")]
                stack.append(([*path, key], item))
        elif isinstance(value, list):
            stack.extend(([*path, i], item) for i, item in reversed(list(enumerate(value))))


def _nul_refusal(loc: Loc) -> JSONResponse:
    return JSONResponse(
        problem_body(
            loc,
            "the text holds a NUL character (U+0000), which the service cannot store",
            kind="nul_character",
            fix="remove the NUL character (\\u0000) from the text",
        ),
        status_code=422,
    )


def _not_json(exc: Exception) -> JSONResponse:
    return JSONResponse(
        problem_body(
            ["body"],
            f"the body is not valid JSON: {_reason(exc)}",
            kind="json_invalid",
            fix="send one JSON document, encoded as UTF-8",
        ),
        status_code=422,
    )


def _reason(exc: Exception) -> str:
    """Where the parser stopped and why, without the text it read."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8"
    return "nested too deeply" if isinstance(exc, RecursionError) else "it does not parse"
