#!/usr/bin/env python3
"""mt-station end to end over real TLS on 127.0.0.1 (docs/station.md).

A device made of openssl keys and curl enrolls with a one-time code, uploads
real fMP4 clips sealed by the firmware's sealer with tus (deferred length,
several PATCHes, a 409, HEAD resume, a PATCH cut short, DELETE), commits
them and checks the signed receipts with openssl; then every rejection the
station must make (reused code, unknown and revoked devices, a tampered, a
replayed and a gapped clip), OTA Range requests, a SIGTERM and a kill -9
mid-upload with a restart, IPv6.

usage: station_test.py MT_STATION MT_STATION_TEST_SEAL MT_VERIFY   (env MT_FOOTAGE)
"""
import json
import os
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stationlib import (Checks, Device, Station, make_clip, read, run, seal,  # noqa: E402
                        sha256, write)

STATION, SEAL, VERIFY = sys.argv[1], sys.argv[2], sys.argv[3]
c = Checks()


def tls_handshake(st, fingerprint, tmp):
    """openssl s_client: the handshake, the chain's CA = the fingerprint
    init printed, and /files/ refused without a client certificate."""
    r = run(["openssl", "s_client", "-connect", f"127.0.0.1:{st.port}", "-servername", "localhost",
             "-verify_hostname", "localhost", "-CAfile", os.path.join(st.data, "ca.crt"),
             "-showcerts"], check=False, input=b"")
    out = r.stdout.decode()
    c.ok("Verify return code: 0 (ok)" in out, "s_client verifies the station against its CA")
    c.ok("Acceptable client certificate CA names" in out, "the station asks for a client cert")
    certs = [blk.split("-----END CERTIFICATE-----")[0] for blk in
             out.split("-----BEGIN CERTIFICATE-----")[1:]]
    c.eq(len(certs), 2, "chain sent: station certificate and CA")
    if len(certs) == 2:
        pem = "-----BEGIN CERTIFICATE-----" + certs[1] + "-----END CERTIFICATE-----\n"
        der = run(["openssl", "x509", "-outform", "DER"], input=pem.encode()).stdout
        c.eq(sha256(der), fingerprint, "SHA-256 of the CA in the chain = init's fingerprint")
    for proto in ("-tls1_2", "-tls1_3"):
        r = run(["openssl", "s_client", "-connect", f"127.0.0.1:{st.port}", proto, "-CAfile",
                 os.path.join(st.data, "ca.crt")], check=False, input=b"")
        c.ok("Verify return code: 0 (ok)" in r.stdout.decode(), f"handshake with {proto}")
    req = b"OPTIONS /files/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    r = run(["openssl", "s_client", "-quiet", "-connect", f"127.0.0.1:{st.port}", "-CAfile",
             os.path.join(st.data, "ca.crt")], check=False, input=req)
    c.ok(r.stdout.startswith(b"HTTP/1.1 403"), "no client certificate: /files/ refused (403)")
    return r


def tus_basics(dev, st, tmp):
    r = dev.request("OPTIONS", "/files/")
    c.eq(r.status, 204, "OPTIONS /files/")
    c.eq(r.header("Tus-Version"), "1.0.0", "Tus-Version")
    c.eq(r.header("Tus-Extension"), "creation,creation-defer-length,termination",
         "Tus-Extension")
    c.ok(r.header("Tus-Max-Size") is not None, "Tus-Max-Size")
    c.eq(dev.request("POST", "/files/", headers=["Upload-Length: 5"]).status, 412,
         "POST without Tus-Resumable: 412")
    c.eq(dev.request("POST", "/files/", headers=[dev.TUS]).status, 400,
         "POST without Upload-Length or Upload-Defer-Length: 400")
    c.eq(dev.create(length=1 << 50).status, 413, "Upload-Length over Tus-Max-Size: 413")
    loc = dev.create(length=10).header("Location")
    r = dev.request("PATCH", loc, b"12345", headers=[dev.TUS, "Upload-Offset: 0",
                                                      "Content-Type: text/plain"])
    c.eq(r.status, 415, "PATCH with the wrong Content-Type: 415")
    c.eq(dev.patch(loc, 0, b"0123456789ab").status, 413, "PATCH past Upload-Length: 413")
    c.eq(dev.head(loc).header("Upload-Offset"), "0", "a refused PATCH wrote nothing")
    # termination
    c.eq(dev.patch(loc, 0, b"01234").status, 204, "PATCH 5 of 10")
    c.eq(dev.request("DELETE", loc, headers=[dev.TUS]).status, 204, "DELETE: 204")
    c.eq(dev.head(loc).status, 410, "HEAD after DELETE: 410")
    c.ok(not os.path.exists(os.path.join(st.data, "uploads", loc.split("/")[-1])),
         "DELETE removed the upload's file")
    c.eq(dev.head("/files/" + "0" * 32).status, 404, "HEAD of an unknown upload: 404")


def tus_clip_by_hand(dev, st, base, seq):
    """The clip with a deferred length in several PATCHes, a 409 on a wrong
    offset, HEAD to resume, a PATCH cut short by the link, then the rest."""
    data = read(base + ".mp4")
    r = dev.create(None, {"filename": os.path.basename(base) + ".mp4", "kind": "clip",
                          "seq": seq})
    c.eq(r.status, 201, "POST with Upload-Defer-Length: 201")
    loc = r.header("Location")
    c.ok(loc and loc.startswith("/files/"), "Location /files/<id>")
    h = dev.head(loc)
    c.eq((h.status, h.header("Upload-Offset"), h.header("Upload-Defer-Length"),
          h.header("Cache-Control")), (200, "0", "1", "no-store"), "HEAD of a new upload")
    q = len(data) // 4
    r = dev.patch(loc, 0, data[:q])
    c.eq((r.status, r.header("Upload-Offset")), (204, str(q)), "first PATCH")
    # A short body: the station answers a wrong offset at once and closes,
    # without reading a long body first (a box on a slow link must not send
    # 16 MiB to learn it); a client still sending then sees a reset, not the
    # 409, and asks HEAD, as net/tus.c does. curl would report the reset.
    r = dev.patch(loc, 0, data[q:q + 200])
    c.eq(r.status, 409, "PATCH at a wrong offset: 409")
    c.eq(dev.head(loc).header("Upload-Offset"), str(q), "the 409 changed nothing")
    # a PATCH whose connection dies halfway: the bytes that came are kept
    ctx = ssl.create_default_context(cafile=os.path.join(st.data, "ca.crt"))
    ctx.load_cert_chain(dev.tls_crt, dev.tls_key)
    with socket.create_connection(("127.0.0.1", st.port)) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall((f"PATCH {loc} HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\n"
                       f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: {q}\r\n"
                       f"Content-Length: {q}\r\n\r\n").encode())
            s.sendall(data[q:q + q // 2])
            time.sleep(0.3)
    got = None
    for _ in range(50):
        got = int(dev.head(loc).header("Upload-Offset"))
        if got != q:
            break
        time.sleep(0.1)
    c.eq(got, q + q // 2, "a PATCH cut short keeps the bytes that arrived (HEAD)")
    off = got
    r = dev.patch(loc, off, data[off:3 * q])
    c.eq((r.status, r.header("Upload-Offset")), (204, str(3 * q)), "resumed from HEAD's offset")
    r = dev.patch(loc, 3 * q, data[3 * q:], length=len(data))
    c.eq((r.status, r.header("Upload-Offset")), (204, str(len(data))),
         "last PATCH with Upload-Length")
    h = dev.head(loc)
    c.eq((h.header("Upload-Offset"), h.header("Upload-Length")), (str(len(data)), str(len(data))),
         "HEAD of the finished upload")
    c.eq(sha256(os.path.join(st.data, "uploads", loc.split("/")[-1])), sha256(data),
         "the upload's file is the clip, byte for byte")
    locs = {"clip": loc}
    for role, ext in (("manifest", "json"), ("signature", "sig"), ("checkpoints", "ckpt")):
        locs[role] = dev.upload(f"{base}.{ext}", role, seq)
    return locs


def commit_ok(dev, st, base, seq, locs, status="OK", what=""):
    r = dev.commit(seq, locs)
    if not c.eq(r.status, 200, f"commit of seq {seq} {what}: {r.body[:200]!r}"):
        return None
    good, text, f = dev.check_receipt(r)
    c.ok(good, f"seq {seq}: openssl verifies the receipt's signature with the receipt key")
    c.ok(text.startswith("matthan-receipt-v1\n") and text.endswith("\n") and " \n" not in text,
         "receipt text format")
    c.eq((f.get("device"), f.get("seq"), f.get("manifest_sha256"), f.get("status")),
         (dev.device_id, str(seq), sha256(base + ".json"), status), f"seq {seq} receipt fields")
    c.ok(abs(int(f.get("received_at", 0)) - time.time() * 1000) < 120000,
         "received_at is the station's time in ms")
    return r


def stored_dir(st, seq, state):
    for cl in st.clips():
        if cl["seq"] == seq and cl["state"] == state:
            return os.path.join(st.data, cl["dir"])
    return None


def main():
    tmp = tempfile.mkdtemp(prefix="mt-station-test-")
    clips = os.path.join(tmp, "clips")
    os.makedirs(clips)
    keydir = os.path.join(tmp, "keys")
    # the evidence key first: its CSR goes up at enrollment
    seal(SEAL, "unenrolled", keydir, [])
    for i in range(1, 6):
        make_clip(f"{clips}/clip-{i:06d}.mp4", 1 + 60 * i)
    other = os.path.join(tmp, "other")
    os.makedirs(other)
    make_clip(f"{other}/clip-000002.mp4", 700)
    make_clip(f"{other}/clip-000009.mp4", 900)

    # the rate limit is tested on its own below, with a limit of 2
    st = Station(STATION, os.path.join(tmp, "station"), extra=["--enroll-limit", "16"])
    fp = st.init("--host", "localhost")
    st.start()
    try:
        tls_handshake(st, fp, tmp)

        dev = Device(st, os.path.join(tmp, "dev"), os.path.join(keydir, "evidence.key"))
        code = st.cli("enroll-code", "--device-name", "shop 12").stdout.decode().strip()
        c.ok(len(code) == 14 and code[4] == "-" and code[9] == "-", f"code format {code}")
        bad = Device(st, os.path.join(tmp, "bad"))
        r = bad.request("POST", "/enroll", bad.enroll_body(code, tls_csr="not a csr"),
                        cert=False)
        c.eq(r.status, 400, "enrollment with a malformed CSR: 400")
        # a CSR whose signature does not match its key
        csr = bad.csr(bad.tls_key)
        der = run(["openssl", "req", "-outform", "DER"], input=csr.encode()).stdout
        der = der[:-5] + bytes([der[-5] ^ 1]) + der[-4:]
        pem = run(["openssl", "req", "-inform", "DER"], input=der, check=False).stdout.decode()
        if pem:
            r = bad.request("POST", "/enroll", bad.enroll_body(code, tls_csr=pem), cert=False)
            c.eq(r.status, 400, "enrollment with a CSR not signed by its key: 400")
        r = dev.enroll(code.lower().replace("-", " "))
        c.eq(r.status, 200, "enrollment with the code (typed in lower case)")
        # clips 1..5 as one chain; "other" 2 and 9: other clips signed as 2 and 9
        seal(SEAL, dev.device_id, keydir, [f"{clips}/clip-{i:06d}.mp4" for i in range(1, 6)])
        m1 = sha256(f"{clips}/clip-000001.json")
        seal(SEAL, dev.device_id, keydir, [f"{other}/clip-000002.mp4"], "--first-seq", "2",
             "--prev", m1)
        seal(SEAL, dev.device_id, keydir, [f"{other}/clip-000009.mp4"], "--first-seq", "9",
             "--prev", m1)
        c.ok(dev.device_id and len(dev.device_id) == 19 and dev.device_id.startswith("mt-"),
             "device id mt- + 16 hex digits")
        v = run(["openssl", "verify", "-CAfile", os.path.join(st.data, "ca.crt"), dev.tls_crt,
                 os.path.join(dev.dir, "evidence.crt")], check=False)
        c.eq(v.returncode, 0, "both issued certificates verify against the station CA")
        subj = run(["openssl", "x509", "-in", dev.tls_crt, "-noout", "-subject", "-dates"]
                   ).stdout.decode()
        c.ok(f"CN = {dev.device_id}" in subj and "2000 GMT" in subj and "2099 GMT" in subj,
             "CN is the device id; valid 2000..2099")
        pub = run(["openssl", "x509", "-in", os.path.join(dev.dir, "evidence.crt"), "-pubkey",
                   "-noout"]).stdout
        c.eq(pub, read(os.path.join(keydir, "evidence.pub.pem")),
             "the evidence certificate certifies the sealer's key")
        r = Device(st, os.path.join(tmp, "dev-again")).enroll(code)
        c.eq(r.status, 403, "a reused code: 403")
        c.ok("reused enrollment code" in st.logtext(), "log line for the reused code")
        c.eq(Device(st, os.path.join(tmp, "dev-x")).enroll("ABCD-EFGH-JKMN").status, 403,
             "an unknown code: 403")

        r = dev.request("GET", "/health")
        c.eq((r.status, r.json().get("device_id")), (200, dev.device_id), "GET /health (mTLS)")
        c.eq(dev.request("GET", "/health", cert=False).status, 403, "GET /health without cert")
        # kept alive: curl sends a POST (no body) and a HEAD over one connection
        auth = ["--cacert", os.path.join(st.data, "ca.crt"), "--cert", dev.tls_crt, "--key",
                dev.tls_key, "-H", "Tus-Resumable: 1.0.0"]
        v = run(["curl", "-sv", "-o", "/dev/null", *auth, "-X", "POST", "-H", "Upload-Length: 1",
                 st.url + "/files/", "--next", "-o", "/dev/null", "-I", *auth,
                 st.url + "/files/00000000000000000000000000000000"], check=False)
        c.ok(b"Re-using existing connection" in v.stderr and b"< Connection: close" not in v.stderr,
             "requests without a body keep the connection open")
        c.eq(dev.request("POST", "/devices/health", b'{"temp_c": 51, "spool_free": 1234}',
                         headers=["Content-Type: application/json"]).status, 204,
             "POST /devices/health")
        c.eq(dev.request("POST", "/devices/health", b"{not json").status, 400,
             "a health report that is not JSON: 400")

        tus_basics(dev, st, tmp)

        # clip 1 by hand; clips 2 and 3 with the helper (deferred, 4 PATCHes)
        base = lambda i: f"{clips}/clip-{i:06d}"  # noqa: E731
        locs1 = tus_clip_by_hand(dev, st, base(1), 1)
        part = dict(locs1)
        part["checkpoints"] = dev.create(None).header("Location")
        c.eq(dev.commit(1, part).status, 409, "commit naming an incomplete upload: 409")
        r1 = commit_ok(dev, st, base(1), 1, locs1)
        r1b = dev.commit(1, locs1)
        c.eq((r1b.status, r1b.body), (200, r1.body if r1 else None),
             "a repeated commit returns the same receipt")
        d1 = stored_dir(st, 1, "OK")
        c.ok(d1 is not None, "clip 1 listed OK")
        if d1:
            for ext in ("mp4", "json", "sig", "ckpt"):
                c.eq(sha256(f"{d1}/clip-000001.{ext}"), sha256(f"{base(1)}.{ext}"),
                     f"stored clip-000001.{ext} is byte-identical")
            v = run(["openssl", "dgst", "-sha256", "-verify", os.path.join(st.data, "receipt.pub.pem"),
                     "-signature", f"{d1}/receipt.sig", f"{d1}/receipt.txt"], check=False)
            c.eq(v.stdout.strip(), b"Verified OK", "receipt.txt/.sig beside the stored clip")
            v = run([VERIFY, "--cert", os.path.join(dev.dir, "evidence.crt"),
                     f"{d1}/clip-000001.mp4"], check=False)
            c.eq(v.returncode, 0, "mt-verify accepts the stored clip with the issued cert")
        c.eq(dev.request("DELETE", locs1["clip"], headers=[dev.TUS]).status, 403,
             "DELETE of a committed upload: 403")

        for i in (2, 3):
            commit_ok(dev, st, base(i), i, dev.upload_clip(base(i), i))

        # a tampered clip: one byte of a fragment flipped after sealing
        tam = os.path.join(tmp, "tampered")
        os.makedirs(tam)
        for ext in ("mp4", "json", "sig", "ckpt"):
            shutil.copy(f"{base(4)}.{ext}", f"{tam}/clip-000004.{ext}")
        data = bytearray(read(f"{tam}/clip-000004.mp4"))
        data[len(data) * 2 // 3] ^= 0x40
        write(f"{tam}/clip-000004.mp4", bytes(data))
        r = dev.commit(4, dev.upload_clip(f"{tam}/clip-000004", 4))
        c.eq(r.status, 422, "a tampered clip: 422")
        c.ok(b"altered fragment" in r.body, f"422 names the altered fragment: {r.body!r}")
        c.ok("tampered clip" in st.logtext(), "log line for the tampered clip")
        df = stored_dir(st, 4, "FAILED")
        c.ok(df is not None and sha256(f"{df}/clip-000004.mp4") == sha256(bytes(data)),
             "the tampered clip is kept, marked FAILED")
        # the real clip 4 still goes in, and 5 after it
        for i in (4, 5):
            commit_ok(dev, st, base(i), i, dev.upload_clip(base(i), i))
        # the same clip 2 again (new uploads): the same receipt, stored once
        r = dev.commit(2, dev.upload_clip(base(2), 2))
        first2 = [cl for cl in st.clips() if cl["seq"] == 2 and cl["state"] == "OK"]
        c.eq(r.status, 200, "clip 2 uploaded again")
        c.eq(len(first2), 1, "clip 2 is stored once")
        # a replay: another clip signed as sequence 2
        commit_ok(dev, st, f"{other}/clip-000002", 2, dev.upload_clip(f"{other}/clip-000002", 2),
                  status="REPLAY", what="(another clip as seq 2)")
        c.ok("replayed clip" in st.logtext(), "log line for the replayed clip")
        # a gap: sequence 9 after 5
        commit_ok(dev, st, f"{other}/clip-000009", 9, dev.upload_clip(f"{other}/clip-000009", 9),
                  status="GAP", what="(seq 9 after 5)")
        states = sorted((cl["seq"], cl["state"]) for cl in st.clips())
        c.eq(states, [(1, "OK"), (2, "DUPLICATE"), (2, "OK"), (2, "REPLAY"), (3, "OK"),
                      (4, "FAILED"), (4, "OK"), (5, "OK"), (9, "GAP")], "mt-station clips --json")
        text = st.cli("clips").stdout.decode()
        c.ok(text.count(" OK ") == 5 and "FAILED" in text and "altered fragment" in text,
             "mt-station clips (text)")

        # another device: cannot see or commit the first one's uploads
        dev2 = Device(st, os.path.join(tmp, "dev2"))
        c.eq(dev2.enroll(st.cli("enroll-code").stdout.decode().strip()).status, 200,
             "a second device enrolls")
        c.eq(dev2.head(locs1["clip"]).status, 404, "another device's upload: 404")
        c.eq(dev2.commit(1, locs1).status, 404, "commit of another device's uploads: 404")
        # a certificate from another CA, and one from this CA not in the registry
        a = Device(st, os.path.join(tmp, "alien"))
        alien = a.dir
        run(["openssl", "req", "-x509", "-key", a.tls_key, "-out", a.tls_crt, "-subj",
             f"/CN={dev.device_id}", "-days", "30"])
        c.eq(a.request("GET", "/health").status, 403, "a certificate of another CA: 403")
        run(["openssl", "req", "-new", "-key", f"{alien}/tls.key", "-subj", "/CN=mt-0000000000000000",
             "-out", f"{alien}/x.csr"])
        run(["openssl", "x509", "-req", "-in", f"{alien}/x.csr", "-CA", os.path.join(st.data, "ca.crt"),
             "-CAkey", os.path.join(st.data, "keys", "ca.key"), "-out", f"{alien}/tls.crt",
             "-days", "30", "-set_serial", "7"])
        c.eq(a.request("GET", "/health").status, 403, "a CA-signed certificate not issued: 403")
        c.ok("unknown device mt-0000000000000000" in st.logtext(), "log line for unknown device")
        c.ok(f"client certificate of {dev.device_id} not issued by this station's CA"
             in st.logtext(), "log line for another CA's certificate")

        # a box that recorded before it was enrolled: its first clips name the
        # device "unenrolled"; signed by the key it then enrolled with, they
        # are its clips (docs/protocol.md)
        early = os.path.join(tmp, "early")
        os.makedirs(early)
        key3 = os.path.join(tmp, "keys3")
        eb = lambda i: f"{early}/clip-{i:06d}"  # noqa: E731
        for i in (1, 2, 3, 4):
            make_clip(eb(i) + ".mp4", 1000 + 40 * i, frames=30)
        # (--key-seed: the fake random that makes test keys; another seed is another box)
        seal(SEAL, "unenrolled", key3, [eb(1) + ".mp4", eb(2) + ".mp4"], "--key-seed", "3")
        dev3 = Device(st, os.path.join(tmp, "dev3"), os.path.join(key3, "evidence.key"))
        c.eq(dev3.enroll(st.cli("enroll-code").stdout.decode().strip()).status, 200,
             "a box that recorded before its enrollment enrolls")
        seal(SEAL, dev3.device_id, key3, [eb(3) + ".mp4"], "--first-seq", "3", "--prev",
             sha256(eb(2) + ".json"))
        for i in (1, 2, 3):
            commit_ok(dev3, st, eb(i), i, dev3.upload_clip(eb(i), i),
                      what="(sealed before enrollment)" if i < 3 else "(after enrollment)")
        got = sorted((cl["seq"], cl["state"], cl["reason"].startswith("sealed before enrollment"))
                     for cl in st.clips() if cl["device_id"] == dev3.device_id)
        c.eq(got, [(1, "OK", True), (2, "OK", True), (3, "OK", False)],
             "clips sealed before enrollment are OK in the chain, and say so")
        # "unenrolled" is no way around the signature: another box's key
        seal(SEAL, "unenrolled", keydir, [eb(4) + ".mp4"], "--first-seq", "4", "--prev",
             sha256(eb(3) + ".json"))
        r = dev3.commit(4, dev3.upload_clip(eb(4), 4))
        c.eq(r.status, 422, f"an unenrolled clip signed by another box's key: 422 {r.body[:120]!r}")

        # OTA with Range
        ota = os.path.join(st.data, "ota", "host")
        os.makedirs(ota, exist_ok=True)
        blob = os.urandom(100000)
        write(f"{ota}/bundle-1.bin", blob)
        r = dev.request("GET", "/ota/host/bundle-1.bin")
        c.eq((r.status, r.body == blob, r.header("Accept-Ranges")), (200, True, "bytes"),
             "OTA GET whole file")
        r = dev.request("GET", "/ota/host/bundle-1.bin", headers=["Range: bytes=1000-1999"])
        c.eq((r.status, r.header("Content-Range"), r.body == blob[1000:2000]),
             (206, "bytes 1000-1999/100000", True), "OTA Range 1000-1999: 206")
        r = dev.request("GET", "/ota/host/bundle-1.bin", headers=["Range: bytes=99990-"])
        c.eq((r.status, r.body == blob[99990:]), (206, True), "OTA open-ended range")
        r = dev.request("GET", "/ota/host/bundle-1.bin", headers=["Range: bytes=-10"])
        c.eq((r.status, r.header("Content-Range"), r.body == blob[-10:]),
             (206, "bytes 99990-99999/100000", True), "OTA suffix range")
        r = dev.request("GET", "/ota/host/bundle-1.bin", headers=["Range: bytes=100000-"])
        c.eq((r.status, r.header("Content-Range")), (416, "bytes */100000"), "OTA range past end")
        c.eq(dev.request("GET", "/ota/host/nope.bin").status, 404, "OTA missing file: 404")
        c.eq(dev.request("GET", "/ota/../keys/ca.key", extra=["--path-as-is"]).status, 404,
             "OTA path escaping its folder: 404")
        c.eq(dev.request("GET", "/ota/host/bundle-1.bin", cert=False).status, 403,
             "OTA without a client cert: 403")

        # revocation takes effect on the next request
        out = st.cli("revoke", dev2.device_id).stdout.decode()
        c.ok("revoked" in out, "mt-station revoke")
        c.eq(dev2.request("GET", "/health").status, 403, "a revoked device: 403")
        c.eq(dev2.create(10).status, 403, "a revoked device cannot upload")
        c.ok(f"revoked device {dev2.device_id}" in st.logtext(), "log line for the revoked device")
        devs = json.loads(st.cli("devices", "--json").stdout)["devices"]
        mine = [d for d in devs if d["device_id"] == dev.device_id][0]
        c.ok(mine["health"] == {"temp_c": 51, "spool_free": 1234} and mine["last_seen_ms"] > 0
             and mine["name"] == "shop 12" and mine["clips"] == 9, f"registry entry {mine}")

        # SIGTERM while an upload is open, restart, resume
        data = read(f"{other}/clip-000009.mp4")
        loc = dev.create(None).header("Location")
        dev.patch(loc, 0, data[:5000])
        c.eq(st.stop(signal.SIGTERM), 0, "SIGTERM: clean exit")
        c.ok("stopped" in st.logtext(), "log line for the stop")
        st.start()
        c.eq(dev.head(loc).header("Upload-Offset"), "5000", "offset survives a restart")
        # kill -9 with a PATCH half sent
        ctx = ssl.create_default_context(cafile=os.path.join(st.data, "ca.crt"))
        ctx.load_cert_chain(dev.tls_crt, dev.tls_key)
        raw = socket.create_connection(("127.0.0.1", st.port))
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        s.sendall((f"PATCH {loc} HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\n"
                   "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 5000\r\n"
                   f"Content-Length: {len(data) - 5000}\r\n\r\n").encode())
        s.sendall(data[5000:20000])
        time.sleep(0.3)
        st.stop(signal.SIGKILL)
        s.close()
        st.start()
        off = int(dev.head(loc).header("Upload-Offset"))
        c.eq(off, 5000, "kill -9 mid-PATCH: the offset is the last acknowledged one")
        c.eq(os.path.getsize(os.path.join(st.data, "uploads", loc.split("/")[-1])), off,
             "unacknowledged bytes dropped at restart")
        r = dev.patch(loc, off, data[off:], length=len(data))
        c.eq((r.status, r.header("Upload-Offset")), (204, str(len(data))), "resume after kill -9")
        c.eq(sha256(os.path.join(st.data, "uploads", loc.split("/")[-1])), sha256(data),
             "resumed upload is byte-identical")
        c.ok(all(cl["state"] != "received" for cl in st.clips()), "no clip left half-committed")
    finally:
        rc = st.stop()
    c.eq(rc, 0, "final SIGTERM")

    # IPv6 literal
    st6 = Station(STATION, st.data, listen="[::1]:0")
    try:
        st6.start()
        dev.st = st6
        r = dev.request("GET", "/health")
        c.eq((r.status, st6.host), (200, "[::1]"), "serve on [::1] (IPv6)")
    except Exception as e:  # noqa: BLE001
        c.ok(False, f"IPv6: {e}")
    finally:
        if st6.proc:
            st6.stop()

    # the enrollment rate limit, on its own station
    st2 = Station(STATION, st.data, extra=["--enroll-limit", "2"]).start()
    try:
        d = Device(st2, os.path.join(tmp, "rl"))
        got = [d.enroll("ABCD-EFGH-JKMN").status for _ in range(3)]
        c.eq(got, [403, 403, 429], "enrollment rate limit: 429 after the limit")
        c.ok("too many enrollment attempts" in st2.logtext(), "log line for the rate limit")
    finally:
        st2.stop()
    if c.failed:
        print("station log:\n" + st.logtext()[-6000:])
    else:
        shutil.rmtree(tmp)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
