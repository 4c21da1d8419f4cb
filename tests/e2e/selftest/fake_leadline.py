#!/usr/bin/env python3
"""A throwaway stand-in for the `leadline` binary, used only to check the e2e
harness itself (`LEADLINE_BIN=tests/e2e/selftest/fake_leadline.py`). It keeps
its state in a JSON file next to the database path and implements just the
contract the suites rely on. It is not the product and is never shipped.
"""

import base64
import html
import json
import os
import re
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


def state_path(db):
    if db.startswith("sqlite://"):
        return db[len("sqlite://"):] + ".fake.json"
    name = urllib.parse.urlparse(db).path.strip("/") or "postgres"
    return f"/tmp/fake-leadline-{name}.json"


def load(db):
    try:
        with open(state_path(db)) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"keys": [], "users": [], "sources": [], "forms": [], "leads": [], "acts": [], "anon": {}, "users_map": {}}


def save(db, st):
    with open(state_path(db), "w") as f:
        json.dump(st, f)


def arg(flag, argv, default=None):
    return argv[argv.index(flag) + 1] if flag in argv else default


def main(argv):
    db = arg("--db", argv)
    if argv[:2] == ["apikey", "create"]:
        st = load(db)
        key = "ll_" + secrets.token_hex(16)
        st["keys"].append(key)
        save(db, st)
        print(f"API key {argv[2]} created. Copy the secret now:")
        print(key)
    elif argv[:2] == ["user", "add"]:
        st = load(db)
        st["users"].append({"email": argv[2], "password": arg("--password", argv)})
        save(db, st)
        print("user added")
    elif argv[:1] == ["serve"]:
        host, port = arg("--addr", argv).rsplit(":", 1)
        st = load(db)
        srv = ThreadingHTTPServer((host, int(port)), make_handler(db, st))
        print("\x1b[32mINFO\x1b[0m some log line", flush=True)
        print(f"\x1b[32mINFO\x1b[0m leadline: listening on http://{host}:{srv.server_address[1]}", flush=True)
        srv.serve_forever()
    else:
        print("usage", file=sys.stderr)
        return 2
    return 0


def make_handler(db, st):
    sessions = set()

    def lead_for(email=None, uid=None, anon=None):
        lid = None
        if uid and uid in st["users_map"]:
            lid = st["users_map"][uid]
        if not lid and anon and anon in st["anon"]:
            lid = st["anon"][anon]
        if not lid and email:
            lid = next((l["id"] for l in st["leads"] if l["email"] == email), None)
        if not lid and email:
            lid = f"lead_{len(st['leads']) + 1}"
            st["leads"].append({"id": lid, "email": email})
        if lid:
            if uid:
                st["users_map"][uid] = lid
            if anon:
                st["anon"][anon] = lid
            for a in st["acts"]:  # stitch anonymous history
                if a["lead_id"] is None and anon and a.get("anon") == anon:
                    a["lead_id"] = lid
        return lid

    def form_html(form, errors=None, action=None):
        rows = []
        for f in form["fields"]:
            err = f'<span class="field-error">{html.escape(errors[f["name"]])}</span>' if errors and f["name"] in errors else ""
            req = " required" if f.get("required") else ""
            rows.append(f'<div class="field"><label>{html.escape(f["label"])}<input name="{f["name"]}" type="{f["type"]}"{req}></label>{err}</div>')
        return f'<form method="post" action="{action or ""}">{"".join(rows)}<button type="submit">Send</button></form>'

    class H(BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            print("req " + fmt % a, flush=True)

        def send(self, code, body, ctype="application/json", headers=()):
            data = body if isinstance(body, bytes) else (json.dumps(body) if ctype == "application/json" else body).encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "content-type")
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n)

        def api_ok(self):
            return self.headers.get("Authorization", "") in [f"Bearer {k}" for k in st["keys"]]

        def logged_in(self):
            c = self.headers.get("Cookie", "")
            return any(f"s={s}" in c for s in sessions)

        def do_OPTIONS(self):
            self.send(204, b"", "text/plain", [("Access-Control-Allow-Methods", "POST")])

        def do_GET(self):
            u = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(u.query)
            with LOCK:
                if u.path == "/api/v1/leads":
                    if not self.api_ok():
                        return self.send(401, {"error": "unauthorized"})
                    term = q.get("q", [""])[0]
                    return self.send(200, {"items": [l for l in st["leads"] if term in l["email"]], "next": None})
                m = re.fullmatch(r"/api/v1/leads/([^/]+)/activities", u.path)
                if m:
                    items = [a for a in st["acts"] if a["lead_id"] == m.group(1)]
                    items.sort(key=lambda a: a["occurred_at"], reverse=True)
                    return self.send(200, {"items": [{k: a[k] for k in ("id", "type", "name", "message_id", "occurred_at")} for a in items], "next": None})
                m = re.fullmatch(r"/f/([^/.]+)\.js", u.path)
                if m:
                    form = next(f for f in st["forms"] if f["key"] == m.group(1))
                    base = f"http://{self.headers['Host']}"
                    js = """(function(){var s=document.currentScript;var t=document.getElementById(s.dataset.target);
t.innerHTML=%s;var f=t.querySelector('form');f.addEventListener('submit',function(e){e.preventDefault();
var d={};new FormData(f).forEach(function(v,k){d[k]=v});fetch(%s,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(d)})
.then(function(r){return r.json()}).then(function(j){t.textContent=j.message});});})();""" % (
                        json.dumps(form_html(form)), json.dumps(f"{base}/f/{form['key']}"))
                    return self.send(200, js, "application/javascript")
                m = re.fullmatch(r"/f/([^/]+)", u.path)
                if m:
                    form = next(f for f in st["forms"] if f["key"] == m.group(1))
                    return self.send(200, f"<html><body><h1>{form['name']}</h1>{form_html(form)}</body></html>", "text/html")
                if u.path == "/login":
                    return self.send(200, '<form method="post"><input name="email"><input name="password" type="password"><button>Log in</button></form>', "text/html")
                if u.path == "/leads":
                    if not self.logged_in():
                        return self.send(303, b"", "text/plain", [("Location", "/login")])
                    rows = "".join(f'<li><a href="/leads/{l["id"]}">{l["email"]}</a></li>' for l in st["leads"])
                    return self.send(200, f"<html><body><h1>Leads</h1><ul>{rows}</ul></body></html>", "text/html")
                m = re.fullmatch(r"/leads/([^/]+)", u.path)
                if m and self.logged_in():
                    lead = next(l for l in st["leads"] if l["id"] == m.group(1))
                    acts = "".join(f"<li>{a['type']} {a['name'] or ''}</li>" for a in st["acts"] if a["lead_id"] == lead["id"])
                    return self.send(200, f"<html><body><h1>{lead['email']}</h1><h2>Timeline</h2><ul>{acts}</ul></body></html>", "text/html")
            return self.send(404, {"error": "not found"})

        def do_POST(self):
            u = urllib.parse.urlparse(self.path)
            raw = self.body()
            with LOCK:
                if u.path == "/api/v1/sources":
                    if not self.api_ok():
                        return self.send(401, {"error": "unauthorized"})
                    src = {"id": len(st["sources"]) + 1, "name": json.loads(raw)["name"], "write_key": "wk_" + secrets.token_hex(8)}
                    st["sources"].append(src)
                    return self.send(201, src)
                if u.path == "/api/v1/forms":
                    if not self.api_ok():
                        return self.send(401, {"error": "unauthorized"})
                    form = dict(json.loads(raw), id=len(st["forms"]) + 1, key=secrets.token_hex(6))
                    st["forms"].append(form)
                    return self.send(201, form)
                if u.path == "/v1/batch":
                    auth = self.headers.get("Authorization", "")
                    wk = base64.b64decode(auth[6:]).decode().rstrip(":") if auth.startswith("Basic ") else None
                    if wk not in [s["write_key"] for s in st["sources"]]:
                        return self.send(401, {"code": "unauthorized", "message": "bad write key"})
                    seen = {a["message_id"] for a in st["acts"]}
                    for msg in json.loads(raw)["batch"]:
                        if msg["messageId"] in seen:
                            continue
                        email = (msg.get("traits") or {}).get("email")
                        lid = lead_for(email, msg.get("userId"), msg.get("anonymousId"))
                        name = msg.get("event") or msg.get("name")
                        st["acts"].append({"id": len(st["acts"]) + 1, "lead_id": lid, "anon": msg.get("anonymousId"), "type": msg["type"], "name": name, "message_id": msg["messageId"], "occurred_at": msg["timestamp"]})
                        seen.add(msg["messageId"])
                    return self.send(200, {"success": True})
                m = re.fullmatch(r"/f/([^/]+)", u.path)
                if m:
                    form = next(f for f in st["forms"] if f["key"] == m.group(1))
                    is_json = "json" in (self.headers.get("Content-Type") or "")
                    data = json.loads(raw) if is_json else {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
                    if not data.get("email"):
                        if is_json:
                            return self.send(422, {"errors": {"email": "required"}})
                        return self.send(422, f"<html><body>{form_html(form, {'email': 'Please enter your email.'})}</body></html>", "text/html")
                    lid = lead_for(data["email"])
                    import datetime
                    st["acts"].append({"id": len(st["acts"]) + 1, "lead_id": lid, "type": "form_submit", "name": form["name"], "message_id": None, "occurred_at": datetime.datetime.utcnow().isoformat() + "Z"})
                    if is_json:
                        return self.send(200, {"message": form["thank_you"]})
                    return self.send(200, f"<html><body><p>{html.escape(form['thank_you'])}</p></body></html>", "text/html")
                if u.path == "/login":
                    d = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
                    if any(x["email"] == d.get("email") and x["password"] == d.get("password") for x in st["users"]):
                        s = secrets.token_hex(8)
                        sessions.add(s)
                        return self.send(303, b"", "text/plain", [("Location", "/leads"), ("Set-Cookie", f"s={s}; Path=/; HttpOnly")])
                    return self.send(401, "bad login", "text/html")
            return self.send(404, {"error": "not found"})

    return H


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
