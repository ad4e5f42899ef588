#!/usr/bin/env bash
# The console's delivery commands against a real mt-station, over the pty of
# the real matthan replaying footage: enroll (a bad code, a wrong
# fingerprint, then the right ones: saved in the configuration file, the
# uploader starts), station test (every step ok; the device revoked: HTTP
# 403; the station down: connection refused; a re-made station on the same
# port: CA fingerprint mismatch; a host name the certificate is not for; a
# name that does not resolve), status's upload and station lines, clips
# upload (no such clip, delivered already, queued), selftest's station step.
#
#   console_station.sh MATTHAN MT-STATION
set -euo pipefail
matthan=$1 station=$2
src="$MT_FOOTAGE/cdnet-highway/input"
[ -d "$src" ] || { echo "FAIL: no footage at $src (MT_FOOTAGE)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

exec python3 - "$matthan" "$station" "$src" "$work" "${MT_EMULATOR:-}" "$(dirname "$0")" <<'PY'
import hashlib, os, re, signal, subprocess, sys, time

matthan, station, src, work, emulator, here = sys.argv[1:7]
sys.path.insert(0, here)
from ptyterm import Term, fail, fits_80, start

conf = work + "/matthan.conf"
# a console password (no default one): each run starts at its login
PW = "console-station-1"
salt = os.urandom(16)
PW_LINE = "console.password = pbkdf2-sha256$1000$%s$%s\n" % (
    salt.hex(), hashlib.pbkdf2_hmac("sha256", PW.encode(), salt, 1000).hex())
serving = []

def step(name):
    print("console_station:", name, flush=True)

def st(*args):
    return subprocess.run([station] + list(args), check=True, capture_output=True,
                          text=True).stdout

def serve(data, listen):
    out = open(work + "/serve.out", "w+")
    p = subprocess.Popen([station, "serve", "--data", data, "--listen", listen],
                         stdout=out, stderr=subprocess.DEVNULL)
    for _ in range(100):
        out.seek(0)
        m = re.search(r"listening on .*:(\d+)$", out.read(), re.M)
        if m:
            serving.append(p)
            return p, int(m.group(1))
        time.sleep(0.1)
    p.kill()
    fail("mt-station serve did not start")

def stop(p):
    p.terminate()
    p.wait(timeout=10)

def matthan_run(*more):
    p, fd = start((emulator.split() if emulator else []) + [matthan, "--config", conf,
        "--set", "capture.device=" + src, "--set", "capture.loop=true",
        "--set", "record.preroll_s=1", "--set", "record.postroll_s=1",
        "--set", "record.clip_max_s=10",
        "--set", "console.device=pty"] + list(more))
    t = Term(fd)
    t.send(b"\r")
    t.expect(rb"password: ")
    t.send(PW.encode() + b"\r")
    t.expect(rb"matthan> ")
    return p, fd, t

def sigterm(p, fd):
    """Ends a run as the service manager does: exit 0, nothing reported."""
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=90)
    os.close(fd)
    if p.returncode != 0 or b"Sanitizer" in err:
        fail("matthan exit %d after SIGTERM" % p.returncode, err)

def expect_in(out, *wants):
    fits_80(out)
    for want in wants:
        if not re.search(want, out):
            fail("no %r" % want, out)

try:
    fp = re.search(r"fingerprint[^:]*: ([0-9a-f]{64})", st("init", "--data", work + "/a")).group(1)
    sa, port = serve(work + "/a", "127.0.0.1:0")
    url = "https://localhost:%d" % port
    code = st("enroll-code", "--data", work + "/a", "--device-name", "console").split()[-1]
    with open(conf, "w") as f:
        f.write('device.keys = "%s/keys"\nspool.path = "%s/spool"\n' % (work, work) + PW_LINE)

    # clips name their device: none may be recorded before the enrollment
    # (the scene is learnt for a minute), else the station refuses them
    p, fd, t = matthan_run("--set", "motion.learn_s=60")
    step("not enrolled")
    out = t.run("status")
    expect_in(out, rb"upload     off: no station \(station.url is empty\); \d+ clips waiting")
    out = t.run("station test")
    expect_in(out, rb"station     FAIL: station.url is empty \(run: enroll URL CODE",
              rb"station test: FAIL")
    out = t.run("clips upload clip-999999")
    expect_in(out, rb"clips upload: no clip clip-999999 in the spool")
    out = t.run("clips upload ../x")
    expect_in(out, rb"clips upload: '../x' is not a clip name")
    out = t.run("enroll %s" % url)
    expect_in(out, rb"usage: enroll URL CODE FINGERPRINT")

    # the recorder makes its evidence key as it starts; an installer enrolls
    # after that (two first openers of an empty key folder race: not tested)
    end = time.time() + 30
    while not os.path.exists(work + "/keys/evidence.key"):
        if time.time() > end:
            fail("the recorder made no evidence key")
        time.sleep(0.2)
    step("enroll: bad code, wrong fingerprint, bad URL")
    out = t.run("enroll %s WRONG-CODE %s" % (url, fp), timeout=30)
    expect_in(out, rb"enroll: the station answered 403")
    wrong = ("0" if fp[0] != "0" else "1") + fp[1:]
    out = t.run("enroll %s %s %s" % (url, code, wrong), timeout=30)
    expect_in(out, rb"enroll: no certificate in the station's chain has the\s+fingerprint given")
    out = t.run("enroll http://localhost:%d %s %s" % (port, code, fp), timeout=30)
    expect_in(out, rb"enroll: .*https")
    if "station.url" in open(conf).read():
        fail("a failed enrollment wrote the configuration file", open(conf).read().encode())

    step("enroll")
    out = t.run("enroll %s %s %s" % (url, code, fp), timeout=30)
    expect_in(out, rb"enrolled as (mt-[0-9a-f]+) with " + re.escape(url.encode()),
              rb"saved station.url and device.id in")
    dev = re.search(rb"enrolled as (mt-[0-9a-f]+)", out).group(1).decode()
    text = open(conf).read()
    if 'station.url = "%s"' % url not in text or 'device.id = "%s"' % dev not in text:
        fail("enroll did not save station.url and device.id", text.encode())
    expect_in(out, rb"the recorder restarts so new clips name " + dev.encode())
    out = t.run("config get station.url")
    expect_in(out, re.escape(('station.url = "%s"' % url).encode()))
    out = t.run("clips list")
    expect_in(out, rb"no clips in ")
    out = t.run("config set motion.learn_s 2")
    out = t.run("config apply")
    expect_in(out, rb"restarting camera and recorder")

    step("station test: ok")
    out = t.run("station test", timeout=30)
    expect_in(out, rb"enrollment  ok: device " + dev.encode() + rb", station CA [0-9a-f]{16}",
              rb"DNS         ok: localhost is (127\.0\.0\.1|::1)",
              rb"TCP         ok: connected to localhost port %d" % port,
              rb"TLS         ok: handshake, TLSv1\.[23]",
              rb"certificate ok: signed by the station CA, for localhost",
              rb"HTTP        ok: 200, the station knows this box as " + dev.encode(),
              rb"station test: every step ok")

    step("uploads")
    end = time.time() + 60
    while True:
        out = t.run("status")
        m = re.search(rb"upload     \d+ queued, (\d+) sent \([\d.]+ MiB\), last\s+(clip-\d+) \d+ s ago",
                      out)
        if m and int(m.group(1)) >= 1:
            break
        if time.time() > end:
            fail("no clip delivered within 60 s", out)
        time.sleep(1)
    expect_in(out, rb"station    " + re.escape(url.encode()))
    delivered = m.group(2).decode()
    out = t.run("clips upload " + delivered)
    expect_in(out, (delivered + r" is delivered already").encode())
    out = t.run("selftest", timeout=30)
    expect_in(out, rb"HTTP        ok: 200", rb"station    ok: reachable, and it knows this box")

    step("revoked")
    st("revoke", "--data", work + "/a", dev)
    out = t.run("station test", timeout=30)
    expect_in(out, rb"certificate ok",
              rb"HTTP        FAIL: HTTP 403: device revoked \(revoked device " + dev.encode(),
              rb"station test: FAIL")

    step("station down")
    stop(sa)
    out = t.run("station test", timeout=30)
    expect_in(out, rb"DNS         ok",
              rb"TCP         FAIL: connection refused: nothing listens on\s+localhost port %d" % port)
    out = t.run("selftest", timeout=30)
    expect_in(out, rb"TCP         FAIL: connection refused",
              rb"station    FAIL: the station is not reachable")
    # a sealed clip not yet delivered: queued for now
    end = time.time() + 60
    while True:
        names = sorted(n for n in os.listdir(work + "/spool") if re.match(r"clip-\d+\.sig$", n)
                       and not os.path.exists(work + "/spool/" + n[:-4] + ".rcpt"))
        if names:
            break
        if time.time() > end:
            fail("no new sealed clip within 60 s")
        time.sleep(1)
    out = t.run("clips upload " + names[0][:-4])
    expect_in(out, (names[0][:-4] + r" is queued: the uploader tries now").encode())
    end = time.time() + 20
    while True:
        out = t.run("status")
        if re.search(rb"station    \S+, retry in \d+ s; last error: clip \d+", out):
            break
        if time.time() > end:
            fail("status does not show the upload failing", out)
        time.sleep(1)

    step("a new station on the same port: CA mismatch")
    st("init", "--data", work + "/b")
    sb, _ = serve(work + "/b", "127.0.0.1:%d" % port)
    out = t.run("station test", timeout=30)
    expect_in(out, rb"TLS         ok: handshake",
              rb"certificate FAIL: certificate not trusted \(CA fingerprint\s+mismatch: the station"
              rb"\s+shows [0-9a-f]{16}\.\.\., this box trusts [0-9a-f]{16}\.\.\.")
    stop(sb)
    sigterm(p, fd)

    step("a host the certificate is not for; a name that does not resolve")
    sa2, _ = serve(work + "/a", "127.0.0.2:%d" % port)
    text = open(conf).read().replace(url, "https://127.0.0.2:%d" % port)
    open(conf, "w").write(text)
    p, fd, t = matthan_run()
    out = t.run("station test", timeout=30)
    expect_in(out, rb"TCP         ok: connected to 127\.0\.0\.2",
              rb"certificate FAIL: the station's certificate is not for 127\.0\.0\.2")
    sigterm(p, fd)
    open(conf, "w").write(text.replace("127.0.0.2", "no-such-station.invalid"))
    p, fd, t = matthan_run()
    out = t.run("station test", timeout=30)
    expect_in(out, rb"DNS         FAIL: (no such host name: no-such-station\.invalid"
                   rb"|no name server answers for no-such-station\.invalid)")
    sigterm(p, fd)
finally:
    for s in serving:
        if s.poll() is None:
            s.kill()
print("console_station: OK")
PY
