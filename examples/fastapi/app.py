"""A small FastAPI service on the stack harden's users run: uvicorn, slowapi, the official
Prometheus client, SQLite, pydantic validation, bearer-token auth, an HMAC-signed webhook,
JSON logs and an audit file. harden's example suite (harden.yaml) checks it.

Settings (environment): RATE_LIMIT (default "100/minute"), API_TOKEN, WEBHOOK_SECRET,
DB_PATH and AUDIT_LOG (default: in $HARDEN_INSTANCE_DIR, else the working directory).
"""

import hashlib
import hmac
import json
import os
import sqlite3
import sys
import time

from fastapi import FastAPI, Header, HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, Info
from prometheus_client.exposition import choose_encoder
from pydantic import BaseModel, Field
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.util import get_remote_address
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

HERE = os.environ.get("HARDEN_INSTANCE_DIR", ".")
RATE_LIMIT = os.environ.get("RATE_LIMIT", "100/minute")
API_TOKEN = os.environ.get("API_TOKEN", "")
WEBHOOK_SECRET = os.environ.get("WEBHOOK_SECRET", "")
DB_PATH = os.environ.get("DB_PATH", os.path.join(HERE, "items.db"))
AUDIT_LOG = os.environ.get("AUDIT_LOG", os.path.join(HERE, "audit.log"))


def log(level, message, **fields):
    """One JSON object per line on stdout."""
    record = {"timestamp": time.time(), "level": level, "message": message}
    record.update(fields)
    print(json.dumps(record), file=sys.stdout, flush=True)


def db():
    conn = sqlite3.connect(DB_PATH)
    conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    return conn


registry = CollectorRegistry()
REQUESTS = Counter("http_requests", "HTTP requests served.", ["method", "path", "status"], registry=registry)
LATENCY = Histogram("http_request_duration_seconds", "Request latency.", ["path"], registry=registry)
ITEMS_CREATED = Counter("items_created", "Items created.", registry=registry)
Info("build", "Build information.", registry=registry).info({"version": "1.0.0"})

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
app = FastAPI(title="items", version="1.0.0")
app.state.limiter = limiter
app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException):
    """Two answers of stock FastAPI that break the service's own document, mended:
    - a method a path does not serve gets 405 with the `Allow` of the first route of the
      path only (FastAPI makes one route per method): name every method of the path;
    - a JSON body that is not UTF-8 gets an undocumented 400: answer 422, as every other
      body that is not valid JSON gets."""
    if exc.status_code == 405:
        methods = set()
        for route in request.app.router.routes:
            match, _ = route.matches(request.scope)
            if match != Match.NONE:
                methods |= getattr(route, "methods", None) or set()
        return JSONResponse(
            {"detail": "Method Not Allowed"},
            status_code=405,
            headers={"Allow": ", ".join(sorted(methods))},
        )
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        return JSONResponse(
            {"detail": [{"type": "json_invalid", "loc": ["body"], "msg": "the body is not UTF-8 JSON"}]},
            status_code=422,
        )
    return await http_exception_handler(request, exc)


@app.middleware("http")
async def observe(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    path = request.scope.get("route").path if request.scope.get("route") else request.url.path
    REQUESTS.labels(request.method, path, str(response.status_code)).inc()
    LATENCY.labels(path).observe(time.perf_counter() - started)
    log("info", "request", method=request.method, path=request.url.path, status=response.status_code)
    return response


class NewItem(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["widget"])


class Item(BaseModel):
    id: int
    name: str


class Items(BaseModel):
    items: list[Item]


class Error(BaseModel):
    detail: str


UNAUTHORIZED = {401: {"model": Error, "description": "Missing or wrong credentials"}}
NOT_FOUND = {404: {"model": Error, "description": "No such item"}}
RATE_LIMITED = {429: {"description": "Too many requests"}}


def require_token(authorization):
    if not API_TOKEN or authorization != f"Bearer {API_TOKEN}":
        raise HTTPException(status_code=401, detail="missing or wrong bearer token")


@app.get("/health")
def health():
    try:
        with db() as conn:
            conn.execute("SELECT 1")
    except sqlite3.Error as e:
        log("error", "database unreachable", error=str(e))
        return JSONResponse({"status": "unhealthy", "database": "unreachable"}, status_code=503)
    return {"status": "healthy", "database": "connected"}


@app.get("/items", response_model=Items, responses=RATE_LIMITED)
@limiter.limit(RATE_LIMIT)
def list_items(request: Request, response: Response):
    with db() as conn:
        rows = conn.execute("SELECT id, name FROM items ORDER BY id").fetchall()
    return {"items": [{"id": i, "name": n} for i, n in rows]}


@app.post("/items", status_code=201, response_model=Item, responses=UNAUTHORIZED)
def create_item(item: NewItem, authorization: str | None = Header(default=None)):
    require_token(authorization)
    with db() as conn:
        item_id = conn.execute("INSERT INTO items (name) VALUES (?)", (item.name,)).lastrowid
    ITEMS_CREATED.inc()
    with open(AUDIT_LOG, "a") as f:
        f.write(json.dumps({"event": "item.created", "id": item_id, "name": item.name}) + "\n")
    return {"id": item_id, "name": item.name}


@app.get("/items/{item_id}", response_model=Item, responses=NOT_FOUND)
def get_item(item_id: int):
    with db() as conn:
        row = conn.execute("SELECT id, name FROM items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="no such item")
    return {"id": row[0], "name": row[1]}


@app.post("/webhooks", responses=UNAUTHORIZED)
async def webhook(request: Request, x_signature: str | None = Header(default=None)):
    body = await request.body()
    expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    if not WEBHOOK_SECRET or not x_signature or not hmac.compare_digest(x_signature, expected):
        raise HTTPException(status_code=401, detail="bad signature")
    return {"accepted": True}


@app.get("/metrics", include_in_schema=False)
def metrics(request: Request):
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encoder(registry), media_type=content_type)
