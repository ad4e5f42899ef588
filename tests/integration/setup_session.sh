#!/usr/bin/env bash
# First setup of the real matthan on board/host, over its pty, exactly as
# docs/console.md "First setup" tells a new installer, against a real
# mt-station on 127.0.0.1: with no password the console offers only setup,
# help, status, view and log; setup sets the password (checked here with
# Python's own PBKDF2) and the location, is left at the camera step; after a
# restart the password is asked (hidden), a wrong one is refused with a
# delay, setup goes on at step 3 (camera, a privacy mask with view, the
# enrollment with the code and CA fingerprint, the self-test) and ends done;
# config show hides the password; the station lists the box; after reboot,
# garbage at the login changes nothing and the uploader is on (the report).
# The box records from its first start: clips sealed before the enrollment
# (device "unenrolled") reach the station after it, OK, in their chain.
#
#   setup_session.sh MATTHAN MT-STATION
set -euo pipefail
matthan=$1 station=$2
src="${MT_FOOTAGE:?MT_FOOTAGE is not set (ctest sets it)}/cdnet-highway/input"
[ -d "$src" ] || { echo "setup_session: FAIL: no footage at $src"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=delivery/local_station.sh
. "$(dirname "$0")/delivery/local_station.sh"
work=$(mktemp -d)
trap local_station_cleanup EXIT
local_station "$station" "$work"
code=$("$station" enroll-code --data "$work/station" --device-name setup | tail -1)
# the box as it comes: its folders, no password, not enrolled
printf 'device.keys = "%s/keys"\nspool.path = "%s/spool"\n' "$work" "$work" >"$work/matthan.conf"

PYTHONPATH="$(dirname "$0")" python3 - "$matthan" "$src" "$work" "${MT_EMULATOR:-}" "$url" "$code" "$fp" "$station" <<'PY'
import hashlib, json, os, re, signal, subprocess, sys, time
from ptyterm import Term, fits_80
import ptyterm

matthan, src, work, emulator, url, code, fp, station = sys.argv[1:9]
conf = work + "/matthan.conf"
PW = "Mat-than 2026"

def fail(msg, text=b""):
    ptyterm.fail("setup_session: " + msg, text)

def step(name):
    print("setup_session:", name, flush=True)

def start():
    return ptyterm.start((emulator.split() if emulator else []) + [matthan, "--config", conf,
        "--set", "capture.device=" + src, "--set", "capture.loop=true",
        "--set", "console.device=pty",
        # the highway never stops moving: 10 s clips, so some are sealed early
        "--set", "record.clip_max_s=10"])

def conf_value(key):
    for line in open(conf, encoding="utf-8"):
        m = re.match(r"\s*%s\s*=\s*\"?(.*?)\"?\s*$" % re.escape(key), line)
        if m:
            return m.group(1)
    return None

# ---- first start: no password ----
p, fd = start()
t = Term(fd)
t.send("\r")  # the banner may have gone out before the pty was opened
t.expect(rb"matthan> ")
step("first boot offers only setup, help, status, view, log")
out = t.run("config show")
if b"no console password yet (there is no default): type setup." not in out:
    fail("config show without a password", out)
out = t.run("status")
if b"console    no password yet (setup)" not in out:
    fail("status does not say there is no password", out)

step("setup: password and location, then leave at the camera")
t.send("setup\r")
t.expect(rb"\[1/6\] Console password")
t.answer("new password: ", PW)
t.answer("again: ", PW)
t.expect(rb"password set \(PBKDF2-SHA256, \d+ rounds\) and saved")
t.answer("location: ", "Nhà số 12, đường 3")
t.expect("device.location = Nhà số 12, đường 3".encode())
t.answer("camera [keep]: ", "q")
t.expect(rb"setup left at step 3; type setup to go on\r\nmatthan> ")
if PW.encode() in t.all:
    fail("the password was echoed", t.all)
stored = conf_value("console.password")
m = re.fullmatch(r"pbkdf2-sha256\$(\d+)\$([0-9a-f]{32})\$([0-9a-f]{64})", stored or "")
if not m:
    fail("console.password in the file is %r" % stored)
want = hashlib.pbkdf2_hmac("sha256", PW.encode(), bytes.fromhex(m.group(2)), int(m.group(1)))
if want.hex() != m.group(3):
    fail("the stored hash is not PBKDF2-SHA256 of the password")
if conf_value("device.location") != "Nhà số 12, đường 3":
    fail("device.location not saved: %r" % conf_value("device.location"))
p.send_signal(signal.SIGTERM)
p.communicate(timeout=30)
os.close(fd)

# ---- second start: the password is asked ----
step("login: a wrong password is refused with a delay")
p, fd = start()
t = Term(fd)
t.send("\r")
t.expect(rb"password: ")
t.send("not-the-password\r")
t.expect(rb"wrong password; try again in 1 s\r\n")
t0 = time.time()
t.send(PW + "\r")  # during the delay: dropped
t.expect(rb"password: ", timeout=5)
if time.time() - t0 < 0.8:
    fail("the prompt came back before the delay")
t.send(PW + "\r")
t.expect(rb"\(1 wrong password before this one\)\r\nmatthan> ")
if PW.encode() in t.all or b"not-the-password" in t.all:
    fail("a password was echoed", t.all)

step("a clip is sealed before the enrollment")
def unenrolled_clips():
    names = []
    for f in sorted(os.listdir(work + "/spool")):
        if re.fullmatch(r"clip-\d+\.json", f):
            try:
                if json.load(open(work + "/spool/" + f))["device_id"] == "unenrolled":
                    names.append(f[:-5])
            except (ValueError, KeyError, OSError):
                pass
    return names
deadline = time.time() + 60
while not unenrolled_clips() and time.time() < deadline:
    time.sleep(1)
early = unenrolled_clips()
if not early:
    fail("no clip sealed in 60 s of footage before the enrollment")

step("setup goes on at step 3: camera, masks with view, station, self-test")
t.send("setup\r")
t.expect(rb"setup: going on at step 3 of 6")
t.answer("camera [keep]: ", "")
t.expect(rb"\[4/6\] Privacy masks")
t.answer("masks> ", "mask add privacy H0:J2")
t.expect(rb'motion.privacy = "0.7,0 1,0 1,0.3 0.7,0.3"')
t.answer("masks> ", "view ascii 2")
t.expect(rb"thumbnail.*?#", timeout=10)
t.answer("masks> ", "")
t.expect(rb"\[5/6\] Station enrollment")
t.answer("station URL: ", url)
t.answer("one-time code: ", "WRONG-CODE")
t.answer("fingerprint: ", fp)
t.expect(rb"enroll: .*?\r\ncheck the three and try again", timeout=30)
t.expect(re.escape(("now: %s (Enter keeps it)" % url).encode()))
t.answer("station URL: ", "")
t.answer("one-time code: ", code)
t.answer("fingerprint: ", fp)
got = t.expect(rb"enrolled as (\S+) with ", timeout=60)
device = re.search(rb"enrolled as (\S+) with ", got).group(1).decode()
t.expect(rb"\[6/6\] Self-test")
out = t.expect(rb"selftest: \d+ passed, 0 failed.*?setup done:.*?\r\nmatthan> ", timeout=30)
for n, name in enumerate(("console password", "location label", "camera format", "masks",
                          "station", "self-test"), 1):
    if not re.search(rb"\[%d/6\] %s +done" % (n, name.encode()), out):
        fail("step %d not done" % n, out)
fits_80(t.all)
if conf_value("station.url") != url or conf_value("device.id") != device:
    fail("enrollment not saved", open(conf, "rb").read())
if conf_value("setup.done") != "7" or conf_value("motion.privacy") != "0.7,0 1,0 1,0.3 0.7,0.3":
    fail("setup.done or the mask not saved", open(conf, "rb").read())
out = t.run("setup")
if b"setup is done:" not in out:
    fail("setup after setup", out)

step("config show hides the password; status counts the wrong one")
out = t.run("config show")
if b"console.password = (set)" not in out or b"pbkdf2" in out:
    fail("config show shows the password", out)
out = t.run("config get console.password")
if b"console.password = (set)" not in out or b"pbkdf2" in out:
    fail("config get shows the password", out)
out = t.run("status")
if b"console    password set; 1 wrong password since start" not in out:
    fail("status does not count the wrong password", out)
out = t.run("log 100")
if b"wrong password (1 in a row" not in out or PW.encode() in out:
    fail("log", out)

step("passwd: the old one first, then the new one twice")
PW2 = "second-pass 7"
t.send("passwd\r")
t.answer("old password: ", PW)
t.answer("new password: ", "short")
t.expect(rb"too short: at least 8 characters")
t.answer("new password: ", PW2)
t.answer("again: ", PW2)
t.expect(rb"password set \(PBKDF2-SHA256, \d+ rounds\) and saved\r\nmatthan> ")
m = re.fullmatch(r"pbkdf2-sha256\$(\d+)\$([0-9a-f]{32})\$([0-9a-f]{64})",
                 conf_value("console.password") or "")
if not m or hashlib.pbkdf2_hmac("sha256", PW2.encode(), bytes.fromhex(m.group(2)),
                                int(m.group(1))).hex() != m.group(3):
    fail("passwd did not store the new password's hash")
if PW2.encode() in t.all:
    fail("passwd echoed the password", t.all)
PW = PW2
out = t.run("enroll https://localhost:1 CODE 00")
if not re.search(rb"enroll: .*fingerprint", out):
    fail("enroll with a bad fingerprint", out)

step("the station lists the box")
devs = json.loads(subprocess.check_output([station, "devices", "--data", work + "/station",
                                           "--json"]))
ids = [d["device_id"] for d in devs["devices"] if not d["revoked_ms"]]
if device not in ids:
    fail("the station does not list %s: %r" % (device, devs))

step("reboot: exit 75; the next start uploads")
t.send("reboot\r")
stdout, stderr = p.communicate(timeout=60)
if p.returncode != 75:
    fail("reboot: exit %d" % p.returncode, stderr)
os.close(fd)
p, fd = start()
t = Term(fd)
t.send("\r")
t.expect(rb"password: ")
step("garbage at the login: no crash, no login, nothing changed, no frame dropped")
before = open(conf, "rb").read()
junk = bytearray(os.urandom(200000))
for i, b in enumerate(junk):
    if b in (13, 10) and i % 64:
        junk[i] = 32  # a few Enters
t.send(bytes(junk) + b"\x1b[\x03\x04\x1a\x03")
t.buf = b""
for _ in range(5):  # the delays of the wrong "passwords" in the junk
    t.expect(rb"password: ", timeout=70)
    t.send(PW + "\r")
    t.poll(3)  # typed during a delay it is dropped: then the prompt comes again
    if b"matthan> " in t.buf:
        break
else:
    fail("no login after the garbage", t.buf)
t.buf = t.buf[t.buf.index(b"matthan> ") + 9:]
if open(conf, "rb").read() != before:
    fail("garbage at the login changed the configuration file")
out = t.run("status")
if not re.search(rb"frames     \d+ captured, 0 dropped by the camera", out):
    fail("frames dropped while the console took garbage", out)
time.sleep(2)
p.send_signal(signal.SIGTERM)
stdout, stderr = p.communicate(timeout=60)
if not re.search(rb"uploaded   \d+ clips delivered", stdout):
    fail("uploads are not on after setup and reboot", stdout + stderr)
step("the clips sealed before the enrollment are at the station, OK")
clips = json.loads(subprocess.check_output([station, "clips", "--data", work + "/station",
                                            "--json"]))["clips"]
got = {"clip-%06d" % c["seq"]: c for c in clips if c["device_id"] == device}
for name in early:
    c = got.get(name)
    if not c or c["state"] != "OK" or not c["reason"].startswith("sealed before enrollment"):
        fail("%s (sealed before the enrollment) at the station: %r" % (name, c), stdout + stderr)
os.close(fd)
print("setup_session: OK (device %s, %d clips sealed before its enrollment)" % (device, len(early)))
PY
