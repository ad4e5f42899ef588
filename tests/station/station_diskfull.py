#!/usr/bin/env python3
"""mt-station with its disk full (run under `unshare -m`: the station's
folder is a 8 MiB tmpfs mounted in a private mount namespace).

A clip is stored and receipted; the disk is filled; the next clip's PATCHes
get 507 once the space is gone, the acknowledged offset and the file stay
consistent, the stored clip is untouched; after space is freed the upload
resumes from HEAD's offset and is committed.

usage: unshare -m station_diskfull.py MT_STATION MT_STATION_TEST_SEAL
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stationlib import Checks, Device, Station, make_clip, read, run, seal, sha256  # noqa: E402

STATION, SEAL = sys.argv[1], sys.argv[2]
c = Checks()


def main():
    tmp = tempfile.mkdtemp(prefix="mt-station-full-")
    disk = os.path.join(tmp, "disk")
    os.makedirs(disk)
    run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", disk])
    st = None
    try:
        clips, keydir = os.path.join(tmp, "clips"), os.path.join(tmp, "keys")
        os.makedirs(clips)
        seal(SEAL, "unenrolled", keydir, [])
        for i in (1, 2):
            make_clip(f"{clips}/clip-{i:06d}.mp4", 1 + 60 * i)
        st = Station(STATION, os.path.join(disk, "station"))
        st.log = os.path.join(tmp, "station.log")
        st.init()
        st.start()
        dev = Device(st, os.path.join(tmp, "dev"), os.path.join(keydir, "evidence.key"))
        c.eq(dev.enroll(st.cli("enroll-code").stdout.decode().strip()).status, 200, "enrolled")
        seal(SEAL, dev.device_id, keydir, [f"{clips}/clip-{i:06d}.mp4" for i in (1, 2)])
        r = dev.commit(1, dev.upload_clip(f"{clips}/clip-000001", 1))
        c.eq(r.status, 200, "clip 1 committed")
        stored = os.path.join(st.data, st.clips()[0]["dir"], "clip-000001.mp4")
        before = sha256(stored)

        # fill the disk, then leave about 300 KB
        filler = os.path.join(disk, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        os.truncate(filler, max(0, os.path.getsize(filler) - 300 * 1024))

        data = read(f"{clips}/clip-000002.mp4")
        loc = dev.create(None, {"kind": "clip", "seq": 2}).header("Location")
        c.ok(loc is not None, "upload created with the disk nearly full")
        off, step, statuses = 0, 100 * 1024, []
        while off < len(data):
            r = dev.patch(loc, off, data[off:off + step])
            statuses.append(r.status)
            if r.status != 204:
                break
            off = int(r.header("Upload-Offset"))
        c.eq(statuses[-1], 507, f"a PATCH with no space left: 507 ({statuses})")
        c.ok(statuses.count(204) >= 1, "PATCHes before the disk filled were acknowledged")
        h = int(dev.head(loc).header("Upload-Offset"))
        c.eq(h, off, "HEAD offset is the last acknowledged one")
        upfile = os.path.join(st.data, "uploads", loc.split("/")[-1])
        c.eq(os.path.getsize(upfile), off, "the upload's file holds exactly the acknowledged bytes")
        c.eq(read(upfile), data[:off], "... and they are the clip's bytes")
        c.eq(sha256(stored), before, "the stored clip is untouched")
        c.eq([(x["seq"], x["state"]) for x in st.clips()], [(1, "OK")], "clips still lists clip 1 OK")
        c.ok("507 PATCH" in st.logtext(), "log line for the full disk")

        os.unlink(filler)
        r = dev.patch(loc, h, data[h:], length=len(data))
        c.eq((r.status, r.header("Upload-Offset")), (204, str(len(data))),
             "resumed from HEAD's offset once space is back")
        locs = {"clip": loc}
        for role, ext in (("manifest", "json"), ("signature", "sig"), ("checkpoints", "ckpt")):
            locs[role] = dev.upload(f"{clips}/clip-000002.{ext}", role, 2)
        r = dev.commit(2, locs)
        c.eq(r.status, 200, "clip 2 committed after the disk had been full")
        if r.status == 200:
            good, _, f = dev.check_receipt(r)
            c.ok(good and f["status"] == "OK", "clip 2's receipt verifies, status OK")
        c.eq(sorted((x["seq"], x["state"]) for x in st.clips()), [(1, "OK"), (2, "OK")],
             "both clips OK")
    finally:
        if st and st.proc:
            c.eq(st.stop(), 0, "SIGTERM")
        subprocess.run(["umount", disk])
    if c.failed and st:
        print("station log:\n" + st.logtext()[-4000:])
    else:
        shutil.rmtree(tmp)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
