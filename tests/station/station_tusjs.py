#!/usr/bin/env python3
"""Interop: npm's tus-js-client (unmodified, installed with npm into the
build tree) uploads a sealed clip to mt-station over mutual TLS: the clip
streamed with a deferred length in several PATCHes, its manifest, signature
and checkpoints with known lengths; then the commit's receipt is checked.

The registry npm uses is the machine's own npm configuration; without
network access to it the test fails and says so.

usage: station_tusjs.py MT_STATION MT_STATION_TEST_SEAL   (env MT_STATION_NODE_DIR)
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stationlib import Checks, Device, Station, make_clip, run, seal, sha256  # noqa: E402

STATION, SEAL = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.environ.get("MT_STATION_NODE_DIR") or os.path.join(tempfile.gettempdir(), "mt-node")
c = Checks()


def install():
    if not shutil.which("node") or not shutil.which("npm"):
        print("FAIL: node and npm are needed (apt-get install nodejs npm)")
        sys.exit(1)
    if os.path.exists(os.path.join(NODE_DIR, "node_modules", "tus-js-client", "package.json")):
        return
    os.makedirs(NODE_DIR, exist_ok=True)
    r = run(["npm", "install", "--prefix", NODE_DIR, "--no-audit", "--no-fund",
             "tus-js-client@4"], check=False, timeout=240)
    if r.returncode != 0:
        print("FAIL: npm could not install tus-js-client from the registry npm is configured "
              "with (no network access to it?):\n" + r.stderr.decode(errors="replace")[-2000:])
        sys.exit(1)


def main():
    install()
    tmp = tempfile.mkdtemp(prefix="mt-station-tusjs-")
    clips, keydir = os.path.join(tmp, "clips"), os.path.join(tmp, "keys")
    os.makedirs(clips)
    seal(SEAL, "unenrolled", keydir, [])
    make_clip(f"{clips}/clip-000001.mp4", 100)
    st = Station(STATION, os.path.join(tmp, "station"))
    st.init()
    st.start()
    try:
        dev = Device(st, os.path.join(tmp, "dev"), os.path.join(keydir, "evidence.key"))
        c.eq(dev.enroll(st.cli("enroll-code").stdout.decode().strip()).status, 200, "enrolled")
        seal(SEAL, dev.device_id, keydir, [f"{clips}/clip-000001.mp4"])
        env = dict(os.environ, NODE_PATH=os.path.join(NODE_DIR, "node_modules"))
        locs = {}
        for role, ext, chunk, defer in (("clip", "mp4", 150000, "1"), ("manifest", "json", 0, "0"),
                                        ("signature", "sig", 0, "0"),
                                        ("checkpoints", "ckpt", 0, "0")):
            f = f"{clips}/clip-000001.{ext}"
            r = run(["node", os.path.join(HERE, "tusjs_upload.js"), st.url + "/files/",
                     os.path.join(st.data, "ca.crt"), dev.tls_crt, dev.tls_key, f, role, "1",
                     str(chunk or os.path.getsize(f)), defer], check=False, env=env, timeout=120)
            url = r.stdout.decode().strip()
            if not c.ok(r.returncode == 0 and "/files/" in url,
                        f"tus-js-client uploads {ext}: {r.stderr.decode()[-500:]}"):
                continue
            locs[role] = url  # an absolute URL: the commit takes those too
            up = os.path.join(st.data, "uploads", url.rsplit("/", 1)[1])
            c.eq(sha256(up), sha256(f), f"the {ext} arrived byte for byte")
        log = st.logtext()
        c.ok("PATCH" not in log and "POST /files" not in log,
             "no request of tus-js-client was refused")
        r = dev.commit(1, locs)
        c.eq(r.status, 200, f"commit of the tus-js-client upload: {r.body[:200]!r}")
        if r.status == 200:
            good, _, f = dev.check_receipt(r)
            c.ok(good and f["status"] == "OK" and f["device"] == dev.device_id,
                 "receipt verifies with openssl, status OK")
    finally:
        c.eq(st.stop(), 0, "SIGTERM")
    if c.failed:
        print("station log:\n" + st.logtext()[-4000:])
    else:
        shutil.rmtree(tmp)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
