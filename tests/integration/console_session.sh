#!/usr/bin/env bash
# The serial console of the real matthan on board/host, over its pty, as an
# installer's terminal would drive it: replaying footage in a loop, run help,
# status, config get/set/apply, view (the ANSI frame appears, a key leaves),
# log and selftest, throw garbage at the line, then stop it with SIGTERM; a
# second run ends with "reboot" and its exit status 75. The box has a console
# password (made here with Python's PBKDF2): each run starts at its login.
set -euo pipefail
matthan=$1
src="$MT_FOOTAGE/cdnet-highway/input"
[ -d "$src" ] || { echo "FAIL: no footage at $src (MT_FOOTAGE)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

PYTHONPATH="$(dirname "$0")" exec python3 - "$matthan" "$src" "$work" "${MT_EMULATOR:-}" <<'PY'
import hashlib, os, re, signal, sys, time
from ptyterm import Term, fail, fits_80
import ptyterm

matthan, src, work, emulator = sys.argv[1:5]
PW = "console-session-1"
salt = os.urandom(16)
with open(work + "/matthan.conf", "w") as f:
    f.write("console.password = pbkdf2-sha256$1000$%s$%s\n" % (
        salt.hex(), hashlib.pbkdf2_hmac("sha256", PW.encode(), salt, 1000).hex()))

def start():
    return ptyterm.start((emulator.split() if emulator else []) + [matthan,
        "--config", work + "/matthan.conf",
        "--set", "capture.device=" + src, "--set", "capture.loop=true",
        "--set", "spool.path=" + work + "/spool", "--set", "console.device=pty"], 20)

def step(name):
    print("console_session:", name, flush=True)

def frames(status):
    m = re.search(rb"frames     (\d+) captured, (\d+) dropped by the camera", status)
    if not m:
        fail("status shows no frame counts", status)
    return int(m.group(1)), int(m.group(2))

def log_in(t):
    t.send(b"\r")  # the banner may have gone out before the pty was opened
    t.expect(rb"password: ")
    t.send(PW.encode() + b"\r")
    t.expect(rb"matthan> ")

p, fd = start()
t = Term(fd)
log_in(t)

step("help")
out = t.run("help")
fits_80(out)
for cmd in (b"status", b"config", b"view", b"selftest", b"factory-reset"):
    if not re.search(rb"\n  " + cmd + rb" +\S", out):
        fail("help does not list " + cmd.decode(), out)
out = t.run("help view")
if b"usage: view [ascii|color] [SECONDS]" not in out or b"example: view color" not in out:
    fail("help view has no usage or example", out)

step("status")
time.sleep(1.5)
out = t.run("status")
fits_80(out)
n1, _ = frames(out)
for want in (rb"recorder   running for", rb"camera     replay " + re.escape(src.encode()),
             rb"mt-console ok \d+ ms",
             rb"upload     off: no station \(station.url is empty\); \d+ clips waiting",
             rb"station    none"):
    if not re.search(want, out):
        fail("status lacks %r" % want, out)
if n1 < 10:
    fail("only %d frames after 1.5 s" % n1, out)

step("camera formats")
out = t.run("camera formats")
fits_80(out)
for want in (rb"camera's   1 mode \(fps; encoded: as record.codec\)",
             rb"  mjpeg  320x240 +\d+ +as it comes", rb"camera     replay "):
    if not re.search(want, out):
        fail("camera formats lacks %r" % want, out)
# the footage's one mode is the format it plays at (the board's capture.fps)
rate = re.search(rb"  mjpeg  320x240 +(\d+) ", out).group(1)
if not re.search(rb"format     mjpeg 320x240 at " + rate + rb" fps", out):
    fail("camera formats: the mode's rate is not the one played", out)

step("config")
out = t.run("config get capture.loop")
if b"capture.loop = true" not in out:
    fail("config get capture.loop", out)
out = t.run("config set motion.sensitivity 70")
if b"motion.sensitivity = 70" not in out or b"takes effect at config apply" not in out:
    fail("config set", out)
out = t.run("config set capture.fps 0")
if b"config set: capture.fps = 0: out of range 1..60" not in out:
    fail("config set out of range", out)
out = t.run("stauts")
if b"unknown command 'stauts' (did you mean status?)" not in out:
    fail("typo", out)

step("view")
# view: the ANSI frame with the grid, refreshed, and any key leaves
t.send(b"view\r")
t.expect(rb"\x1b\[2J")
t.expect(rb"\x1b\[H\d+x\d+ thumbnail.*?      A      B      C")
t.expect(rb"\x1b\[H")  # a second frame: it refreshes
t.send(b"q")
out = t.expect(rb"\x1b\[\?25hmatthan> ")
out = t.run("log 5")
if not re.search(rb"I serial: console on pseudo-terminal", out + t.run("log 50")):
    fail("log does not show the start", out)

step("selftest")
out = t.run("selftest", timeout=20)
fits_80(out)
for want in (rb"camera     ok: \d+ new frames in 1 s", rb"storage    ok: 4096 bytes",
             rb"clock      ok", rb"station     FAIL: station.url is empty",
             rb"station    FAIL: the station is not reachable", rb"selftest: \d+ passed"):
    if not re.search(want, out):
        fail("selftest lacks %r" % want, out)

step("garbage")
# Garbage: random bytes, a long line, half an escape sequence, Ctrl-C/D/Z.
before = t.run("config show")
_, drop0 = frames(t.run("status"))
junk = bytearray(os.urandom(300000))
for i, b in enumerate(junk):
    if b in (13, 10) and i % 64:
        junk[i] = 32  # a few Enters: lines of random length
t.send(bytes(junk))
t.send(b"x" * 100000)
t.send(b"\x1b[\x03\x04\x1a\x03")
t.buf = b""
out = t.run("status", timeout=20)
n2, drop1 = frames(out)
if drop1 != drop0:
    fail("the camera dropped frames while the console took garbage", out)
after = t.run("config show")
strip = lambda s: re.sub(rb"^.*?config show\r\n", b"", s, flags=re.S)
if strip(before) != strip(after):
    fail("garbage changed the configuration", after)

step("apply")
# config apply restarts camera and recorder; the console is watched again
out = t.run("config apply")
if b"restarting camera and recorder with 1 changed key" not in out:
    fail("config apply", out)
time.sleep(2)
out = t.run("status")
if not re.search(rb"mt-console ok", out) or frames(out)[0] >= n2:
    fail("no new run after config apply", out)

step("sigterm")
p.send_signal(signal.SIGTERM)
stdout, stderr = p.communicate(timeout=30)
if p.returncode != 0:
    fail("exit %d after SIGTERM" % p.returncode, stderr)
if b"run report" not in stdout:
    fail("no report after SIGTERM", stdout)
os.close(fd)

step("reboot")
# reboot: the clip is finished and the program ends with status 75
p, fd = start()
t = Term(fd)
log_in(t)
t.send(b"reboot\r")
t.expect(rb"finishing the clip in progress and restarting")
stdout, stderr = p.communicate(timeout=30)
if p.returncode != 75:
    fail("reboot: exit %d, want 75" % p.returncode, stderr)
os.close(fd)
print("console_session: OK")
PY
