#!/usr/bin/env python3
"""A small tus 1.0.0 server over TLS for the client's tests: core, creation,
creation-defer-length, termination, written from the protocol text (an
implementation independent of ours), with faults on request.

  tus_server.py DIR CERT KEY PORTFILE [--cut-after N] [--conflict-once]
                [--full-after N] [--ca CA]

Uploads are DIR/<id>.bin with DIR/<id>.json (length, offset, metadata).
--cut-after N   drop the connection after storing N bytes of the first
                PATCH that would pass N bytes of data in total (once)
--conflict-once answer the first PATCH with 409 without storing anything
--full-after N  answer 507 once the stored bytes of all uploads exceed N
--ca CA         require a client certificate signed by CA
The chosen port is written to PORTFILE when the server listens.
"""
import argparse
import base64
import http.server
import json
import os
import ssl
import threading
import uuid

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("cert")
ap.add_argument("key")
ap.add_argument("portfile")
ap.add_argument("--cut-after", type=int, default=-1)
ap.add_argument("--conflict-once", action="store_true")
ap.add_argument("--full-after", type=int, default=-1)
ap.add_argument("--ca")
args = ap.parse_args()
lock = threading.Lock()
state = {"cut": args.cut_after, "conflict": args.conflict_once, "received": 0,
         "patches": 0, "creates": 0, "heads": 0}


def meta_path(uid):
    return os.path.join(args.dir, uid + ".json")


def load(uid):
    try:
        with open(meta_path(uid)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def save(uid, m):
    tmp = meta_path(uid) + ".tmp"
    with open(tmp, "w") as f:
        json.dump(m, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, meta_path(uid))


class Tus(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, code, headers=None, body=b""):
        self.send_response(code)
        self.send_header("Tus-Resumable", "1.0.0")
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def uid(self):
        parts = self.path.rstrip("/").split("/")
        if len(parts) != 3 or parts[1] != "files":
            return None
        return parts[2] if all(c in "0123456789abcdef" for c in parts[2]) else None

    def do_OPTIONS(self):
        self.reply(204, {"Tus-Version": "1.0.0",
                         "Tus-Extension": "creation,creation-defer-length,termination",
                         "Tus-Max-Size": 1 << 30})

    def do_POST(self):
        if self.path.rstrip("/") == "/stats":
            with lock:
                body = json.dumps(state).encode()
            return self.reply(200, {"Content-Type": "application/json"}, body)
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        if self.path.rstrip("/") != "/files":
            return self.reply(404)
        length = self.headers.get("Upload-Length")
        defer = self.headers.get("Upload-Defer-Length")
        if (length is None) == (defer != "1"):
            return self.reply(400)
        meta = {}
        for pair in (self.headers.get("Upload-Metadata") or "").split(","):
            if pair.strip():
                k, _, v = pair.strip().partition(" ")
                meta[k] = base64.b64decode(v).decode()
        uid = uuid.uuid4().hex
        open(os.path.join(args.dir, uid + ".bin"), "wb").close()
        save(uid, {"length": int(length) if length is not None else None,
                   "offset": 0, "meta": meta})
        with lock:
            state["creates"] += 1
        self.reply(201, {"Location": "/files/" + uid})

    def do_HEAD(self):
        uid = self.uid()
        m = load(uid) if uid else None
        with lock:
            state["heads"] += 1
        if m is None:
            return self.reply(404)
        h = {"Upload-Offset": m["offset"], "Cache-Control": "no-store"}
        if m["length"] is None:
            h["Upload-Defer-Length"] = 1
        else:
            h["Upload-Length"] = m["length"]
        self.send_response(200)
        self.send_header("Tus-Resumable", "1.0.0")
        for k, v in h.items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PATCH(self):
        uid = self.uid()
        n = int(self.headers.get("Content-Length", "0"))
        m = load(uid) if uid else None
        if m is None:
            self.rfile.read(n)
            return self.reply(404)
        if self.headers.get("Content-Type") != "application/offset+octet-stream":
            self.rfile.read(n)
            return self.reply(415)
        with lock:
            state["patches"] += 1
            conflict = state["conflict"]
            state["conflict"] = False
        if conflict or int(self.headers.get("Upload-Offset", "-1")) != m["offset"]:
            self.rfile.read(n)
            return self.reply(409)
        if args.full_after >= 0:
            with lock:
                full = state["received"] + n > args.full_after
            if full:
                self.rfile.read(n)
                return self.reply(507)
        cut = -1
        with lock:
            if state["cut"] >= 0 and state["received"] + n > state["cut"]:
                cut = state["cut"] - state["received"]
                state["cut"] = -1
        data = self.rfile.read(n if cut < 0 else max(cut, 0))
        with open(os.path.join(args.dir, uid + ".bin"), "ab") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        m["offset"] += len(data)
        if self.headers.get("Upload-Length") is not None and m["length"] is None:
            m["length"] = int(self.headers["Upload-Length"])
        save(uid, m)
        with lock:
            state["received"] += len(data)
        if cut >= 0:
            self.close_connection = True
            self.connection.close()  # mid-request: the client sees the link drop
            return
        self.reply(204, {"Upload-Offset": m["offset"]})

    def do_DELETE(self):
        uid = self.uid()
        if not uid or load(uid) is None:
            return self.reply(404)
        os.unlink(meta_path(uid))
        os.unlink(os.path.join(args.dir, uid + ".bin"))
        self.reply(204)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tus)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(args.cert, args.key)
if args.ca:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(args.ca)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(args.portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.replace(args.portfile + ".tmp", args.portfile)
srv.serve_forever()
