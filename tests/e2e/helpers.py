"""Shared helpers for the Python end-to-end suites.

A `Leadline` starts its own `leadline serve` on a free port against the database
named by E2E_DB (default: a fresh SQLite file in a temporary directory), with an
API key made by `leadline apikey create e2e` beforehand.

Environment:
  LEADLINE_BIN  path to the binary (default: target/debug/leadline in the repo)
  E2E_DB        database URL (default: sqlite://<tmpdir>/e2e.db)
  E2E_LOG_DIR   where the server's output is written (default: the tmpdir)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LISTENING_RE = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

START_TIMEOUT = 30.0  # seconds for the server to print its listening line
CLI_TIMEOUT = 60.0  # seconds for one CLI command
HTTP_TIMEOUT = 15.0  # seconds for one HTTP request


def leadline_bin() -> str:
    raw = os.environ.get("LEADLINE_BIN")
    if raw:
        return str(Path(raw).resolve())
    return str(REPO_ROOT / "target" / "debug" / "leadline")


def wait_until(fn, timeout: float = 15.0, interval: float = 0.1, what: str = "condition"):
    """Call fn() until it returns a truthy value; return that value.

    Raises AssertionError with the last value/exception after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = fn()
            if value:
                return value
            last = value
        except AssertionError as exc:  # a check that is not true yet
            last = exc
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
        time.sleep(interval)


class HttpError(AssertionError):
    pass


class Response:
    def __init__(self, method: str, url: str, status: int, body: bytes, headers):
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.headers = headers

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise HttpError(f"{self.method} {self.url} -> {self.status}: body is not JSON: {self.text()[:500]!r}") from exc

    def expect(self, *statuses: int) -> "Response":
        if self.status not in statuses:
            raise HttpError(
                f"{self.method} {self.url} -> HTTP {self.status}, expected {'/'.join(map(str, statuses))}; body: {self.text()[:500]!r}"
            )
        return self


class Leadline:
    """One leadline server, its database and its API key."""

    def __init__(self, db: str | None = None, name: str = "e2e"):
        self.bin = leadline_bin()
        self.tmpdir = tempfile.mkdtemp(prefix=f"leadline-{name}-")
        self.db = db or os.environ.get("E2E_DB") or f"sqlite://{self.tmpdir}/e2e.db"
        log_dir = Path(os.environ.get("E2E_LOG_DIR") or self.tmpdir)
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}-server.log"
        self.base: str | None = None
        self.api_key: str | None = None
        self.proc: subprocess.Popen | None = None
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []

    # -- CLI ---------------------------------------------------------------
    def cli(self, *args: str) -> str:
        """Run `leadline ARGS --db URL`; return stdout, raise with stderr on failure."""
        cmd = [self.bin, *args, "--db", self.db]
        if not os.path.exists(self.bin):
            raise AssertionError(f"leadline binary not found at {self.bin} (set LEADLINE_BIN or run cargo build)")
        try:
            out = subprocess.run(
                cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT, env=_child_env(), stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"`{' '.join(cmd)}` did not finish in {CLI_TIMEOUT}s") from exc
        if out.returncode != 0:
            raise AssertionError(
                f"`{' '.join(cmd)}` exited {out.returncode}\nstdout: {out.stdout[-2000:]}\nstderr: {out.stderr[-2000:]}"
            )
        return out.stdout

    def create_api_key(self, name: str = "e2e") -> str:
        out = self.cli("apikey", "create", name)
        lines = [l.strip() for l in out.splitlines() if l.strip()]
        assert lines, f"`leadline apikey create {name}` printed nothing on stdout"
        return lines[-1]

    # -- server ------------------------------------------------------------
    def start(self) -> "Leadline":
        self.api_key = self.create_api_key("e2e")
        cmd = [self.bin, "serve", "--db", self.db, "--addr", "127.0.0.1:0"]
        self._log = open(self.log_path, "a", encoding="utf-8")
        self._log.write(f"$ {' '.join(cmd)}\n")
        self._log.flush()
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=_child_env(),
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        for stream, tag in ((self.proc.stdout, "out"), (self.proc.stderr, "err")):
            t = threading.Thread(target=self._pump, args=(stream, tag), daemon=True)
            t.start()
            self._threads.append(t)

        deadline = time.monotonic() + START_TIMEOUT
        with self._cond:
            while self.base is None:
                if self.proc.poll() is not None and not any(t.is_alive() for t in self._threads):
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(min(remaining, 0.5))
        if self.base is None:
            code = self.proc.poll()
            self.stop()
            raise AssertionError(
                f"`{' '.join(cmd)}` did not print 'listening on http://127.0.0.1:PORT' within {START_TIMEOUT}s"
                f" (exit code: {code}); output:\n" + self.output_tail()
            )
        return self

    def _pump(self, stream, tag: str):
        for raw in stream:
            line = ANSI_RE.sub("", raw.rstrip("\n"))
            with self._cond:
                self._lines.append(f"[{tag}] {line}")
                try:
                    self._log.write(f"[{tag}] {line}\n")
                    self._log.flush()
                except ValueError:
                    pass
                if self.base is None and tag == "out":
                    m = LISTENING_RE.search(line)
                    if m:
                        self.base = m.group(1)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def output_tail(self, n: int = 60) -> str:
        with self._cond:
            return "\n".join(self._lines[-n:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for t in self._threads:
            t.join(timeout=5)
        if getattr(self, "_log", None):
            self._log.close()

    # -- HTTP ----------------------------------------------------------------
    def request(self, method: str, path: str, body=None, headers: dict | None = None, auth: bool = True) -> Response:
        url = path if path.startswith("http") else self.base + path
        hdrs = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if auth and self.api_key:
            hdrs["Authorization"] = f"Bearer {self.api_key}"
        hdrs.update(headers or {})
        req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
        try:
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as res:
                return Response(method, url, res.status, res.read(), res.headers)
        except urllib.error.HTTPError as exc:
            return Response(method, url, exc.code, exc.read(), exc.headers)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            raise HttpError(f"{method} {url} failed: {exc}\nserver output:\n{self.output_tail(30)}") from exc

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body=None, **kw) -> Response:
        return self.request("POST", path, body=body, **kw)

    def create_source(self, name: str = "web") -> dict:
        src = self.post("/api/v1/sources", {"name": name}).expect(201).json()
        for key in ("id", "name", "write_key"):
            assert key in src, f"POST /api/v1/sources answer lacks {key!r}: {src!r}"
        assert src["name"] == name, src
        return src

    def find_leads(self, email: str) -> dict:
        q = urllib.parse.quote(email, safe="")
        page = self.get(f"/api/v1/leads?q={q}").expect(200).json()
        assert isinstance(page, dict) and isinstance(page.get("items"), list), f"GET /api/v1/leads: unexpected shape {page!r}"
        return page

    def activities(self, lead_id) -> list[dict]:
        page = self.get(f"/api/v1/leads/{lead_id}/activities").expect(200).json()
        assert isinstance(page, dict) and isinstance(page.get("items"), list), f"activities: unexpected shape {page!r}"
        return page["items"]


def _child_env() -> dict:
    env = dict(os.environ)
    env.setdefault("NO_COLOR", "1")
    env.setdefault("RUST_BACKTRACE", "1")
    return env
