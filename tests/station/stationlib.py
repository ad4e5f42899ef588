"""Helpers for the mt-station tests: a station on 127.0.0.1 (a free port
picked by the kernel), a device made of openssl keys and curl, tus uploads,
commits and receipts. Everything is real: TLS, files, the database."""
import base64
import hashlib
import json
import os
import re
import signal
import subprocess
import tempfile
import time

FOOTAGE = os.path.join(os.environ.get("MT_FOOTAGE", "/work/shared/footage"),
                       "cdnet-highway", "input", "in%06d.jpg")


class Failure(Exception):
    pass


class Checks:
    """Counts checks; a failed one is remembered and the run goes on."""

    def __init__(self):
        self.passed, self.failed = 0, []

    def ok(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed.append(what)
            print("FAIL:", what, flush=True)
        return cond

    def eq(self, got, want, what):
        return self.ok(got == want, f"{what}: got {got!r}, want {want!r}")

    def finish(self):
        print(f"{self.passed} passed, {len(self.failed)} failed")
        for f in self.failed:
            print("  -", f)
        return 1 if self.failed else 0


def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, **kw)
    if check and r.returncode != 0:
        raise Failure(f"{cmd[0]} failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
    return r


def sha256(path_or_bytes):
    if isinstance(path_or_bytes, bytes):
        return hashlib.sha256(path_or_bytes).hexdigest()
    with open(path_or_bytes, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_clip(path, first_frame, frames=60):
    """A real fMP4 from the footage: 15 fps MJPEG, one fragment a second."""
    run(["ffmpeg", "-v", "error", "-y", "-framerate", "15", "-start_number", str(first_frame),
         "-i", FOOTAGE, "-frames:v", str(frames), "-c:v", "copy", "-movflags",
         "empty_moov+default_base_moof", "-frag_duration", "1000000", path])


def seal(seal_bin, device, keydir, clips, *opts):
    """Seals clips as one chain with the firmware's sealer for device (with
    no clips: only makes the key); returns the last manifest's hash."""
    return run([seal_bin, "--device", device, *opts, keydir, *clips]).stdout.decode().strip()


class Station:
    """mt-station serve on 127.0.0.1 with a kernel-picked port."""

    def __init__(self, binary, data, listen="127.0.0.1:0", extra=()):
        self.bin, self.data, self.listen, self.extra = binary, data, listen, list(extra)
        self.proc = None
        self.log = os.path.join(data, "..", os.path.basename(data) + ".log")

    def init(self, *opts):
        out = run([self.bin, "init", "--data", self.data, *opts]).stdout.decode()
        m = re.search(r"fingerprint[^:]*: ([0-9a-f]{64})", out)
        if not m:
            raise Failure("init printed no fingerprint: " + out)
        return m.group(1)

    def start(self):
        self.errf = open(self.log, "ab")
        self.proc = subprocess.Popen([self.bin, "serve", "--data", self.data, "--listen",
                                      self.listen, *self.extra], stdout=subprocess.PIPE,
                                     stderr=self.errf)
        line = self.proc.stdout.readline().decode()
        m = re.match(r"listening on (\[?[0-9a-f.:]+\]?):(\d+)", line)
        if not m:
            raise Failure("serve did not start: " + line + self.logtext())
        self.host, self.port = m.group(1), int(m.group(2))
        self.url = f"https://{self.host}:{self.port}"
        return self

    def stop(self, sig=signal.SIGTERM, timeout=10):
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            rc = f"hung (killed), {rc}"
        self.errf.close()
        return rc

    def logtext(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def cli(self, *args, check=True):
        return run([self.bin, args[0], "--data", self.data, *args[1:]], check=check)

    def clips(self):
        return json.loads(self.cli("clips", "--json").stdout)["clips"]


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())


class Device:
    """A device as curl and openssl make one: a TLS key and an evidence key
    (the sealer's), CSRs, enrollment, then mutual TLS."""

    def __init__(self, station, folder, evidence_key_der=None):
        self.st, self.dir = station, folder
        os.makedirs(folder, exist_ok=True)
        self.tls_key = os.path.join(folder, "tls.key")
        self.tls_crt = os.path.join(folder, "tls.crt")
        run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
             self.tls_key])
        self.ev_key = os.path.join(folder, "evidence.key")
        if evidence_key_der:
            run(["openssl", "pkey", "-inform", "DER", "-in", evidence_key_der, "-out",
                 self.ev_key])
        else:
            run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                 self.ev_key])
        self.device_id = None

    def csr(self, key):
        return run(["openssl", "req", "-new", "-key", key, "-subj", "/CN=ignored"]
                   ).stdout.decode()

    def request(self, method, path, body=None, headers=(), cert=True, extra=()):
        url = path if path.startswith("https://") else self.st.url + path
        hdr_file = os.path.join(self.dir, "hdr.txt")
        cmd = ["curl", "-sS", "-g", "-X", method, "--cacert", os.path.join(self.st.data, "ca.crt"),
               "-D", hdr_file, "-o", "-", "-H", "Expect:"]
        if method == "HEAD":
            cmd[cmd.index("-X"):cmd.index("-X") + 2] = ["-I"]
        if cert:
            cmd += ["--cert", self.tls_crt, "--key", self.tls_key]
        for h in headers:
            cmd += ["-H", h]
        if body is not None:
            cmd += ["--data-binary", "@-"]
        cmd += [*extra, url]
        r = run(cmd, check=False, input=body if body is not None else b"")
        if r.returncode != 0:
            return Response(0, {}, r.stderr)
        with open(hdr_file, "rb") as f:
            lines = f.read().decode(errors="replace").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        return Response(status, hdrs, r.stdout)

    def enroll_body(self, code, tls_csr=None, ev_csr=None):
        return json.dumps({"code": code, "name": "test box",
                           "tls_csr": tls_csr or self.csr(self.tls_key),
                           "evidence_csr": ev_csr or self.csr(self.ev_key)}).encode()

    def enroll(self, code, **kw):
        r = self.request("POST", "/enroll", self.enroll_body(code, **kw), cert=False,
                         headers=["Content-Type: application/json"])
        if r.status == 200:
            d = r.json()
            self.device_id = d["device_id"]
            write(self.tls_crt, d["tls_cert"].encode())
            write(os.path.join(self.dir, "evidence.crt"), d["evidence_cert"].encode())
            write(os.path.join(self.dir, "ca.crt"), d["ca_cert"].encode())
            write(os.path.join(self.dir, "receipt.pub.pem"), d["receipt_key"].encode())
            # the OTA update key goes to every box (docs/protocol.md)
            with open(os.path.join(self.st.data, "update.pub.pem")) as f:
                assert d["update_key"] == f.read(), "enrollment: update_key is not update.pub.pem"
        return r

    # tus
    TUS = "Tus-Resumable: 1.0.0"

    def create(self, length=None, meta=None):
        hdrs = [self.TUS]
        hdrs.append(f"Upload-Length: {length}" if length is not None else "Upload-Defer-Length: 1")
        if meta:
            hdrs.append("Upload-Metadata: " + ",".join(
                f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in meta.items()))
        return self.request("POST", "/files/", headers=hdrs)

    def patch(self, loc, offset, data, length=None):
        hdrs = [self.TUS, "Content-Type: application/offset+octet-stream",
                f"Upload-Offset: {offset}"]
        if length is not None:
            hdrs.append(f"Upload-Length: {length}")
        return self.request("PATCH", loc, data, headers=hdrs)

    def head(self, loc):
        return self.request("HEAD", loc, headers=[self.TUS])

    def upload(self, path, kind, seq, chunks=1, defer=False):
        """One file in `chunks` PATCHes; returns the upload's path."""
        data = read(path)
        r = self.create(None if defer else len(data),
                        {"filename": os.path.basename(path), "kind": kind, "seq": seq})
        if r.status != 201:
            raise Failure(f"create {path}: {r.status} {r.body}")
        loc = r.header("Location")
        step = max(1, -(-len(data) // chunks))
        off = 0
        while True:
            part = data[off:off + step]
            last = off + len(part) >= len(data)
            r = self.patch(loc, off, part, len(data) if defer and last else None)
            if r.status != 204:
                raise Failure(f"patch {path} at {off}: {r.status} {r.body}")
            off = int(r.header("Upload-Offset"))
            if last:
                break
        return loc

    def upload_clip(self, base, seq, chunks=4):
        """The four files of clip base ("dir/clip-000001"): the clip with a
        deferred length in several PATCHes, then the others."""
        locs = {"clip": self.upload(base + ".mp4", "clip", seq, chunks, defer=True)}
        for role, ext in (("manifest", "json"), ("signature", "sig"), ("checkpoints", "ckpt")):
            if os.path.exists(f"{base}.{ext}"):
                locs[role] = self.upload(f"{base}.{ext}", role, seq)
        return locs

    def commit(self, seq, locs):
        return self.request("POST", "/clips/commit", json.dumps({"seq": seq, **locs}).encode(),
                            headers=["Content-Type: application/json"])

    def check_receipt(self, resp):
        """The receipt's text and fields after openssl verified its signature."""
        d = resp.json()
        text = base64.b64decode(d["receipt"])
        write(os.path.join(self.dir, "receipt.txt"), text)
        write(os.path.join(self.dir, "receipt.sig"), base64.b64decode(d["signature"]))
        v = run(["openssl", "dgst", "-sha256", "-verify", os.path.join(self.dir, "receipt.pub.pem"),
                 "-signature", os.path.join(self.dir, "receipt.sig"),
                 os.path.join(self.dir, "receipt.txt")], check=False)
        fields = dict(ln.split("=", 1) for ln in text.decode().splitlines()[1:])
        return v.stdout.decode().strip() == "Verified OK", text.decode(), fields
