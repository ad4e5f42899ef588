#!/usr/bin/env python3
"""Trigger to first byte at the station, one recorder run.

Starts matthan (its arguments after --), reads its log as it is written
and notes the wall time of each "event N: motion at" line (the trigger);
meanwhile it watches the station's upload folder every 2 ms and notes when
a new upload file first holds bytes. For each trigger the first upload that
holds bytes after it is the clip's (its manifest and signature go up only
after the clip ends). Prints one line per trigger:

    trigger <unix s> first_byte <unix s> latency_ms <ms>

    trigger_latency.py STATION-DATA LOG-FILE -- MATTHAN ARGS...
"""
import os
import subprocess
import sys
import threading
import time

data, logfile = sys.argv[1], sys.argv[2]
cmd = sys.argv[sys.argv.index("--") + 1:]
uploads = os.path.join(data, "uploads")
seen = set(os.listdir(uploads)) if os.path.isdir(uploads) else set()
firsts = []  # wall times of uploads' first bytes, in order
done = False


def watch():
    while not done:
        try:
            names = os.listdir(uploads)
        except FileNotFoundError:
            names = []
        for n in names:
            if n in seen:
                continue
            try:
                if os.stat(os.path.join(uploads, n)).st_size > 0:
                    seen.add(n)
                    firsts.append(time.time())
            except FileNotFoundError:
                pass
        time.sleep(0.002)


w = threading.Thread(target=watch)
w.start()
triggers = []
with open(logfile, "w") as log:
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if " event " in line and "motion at" in line:
            triggers.append(time.time())
        log.write(line)
    rc = p.wait()
time.sleep(0.2)
done = True
w.join()
if rc != 0:
    sys.exit("matthan exited %d (see %s)" % (rc, logfile))
for t in triggers:
    after = [f for f in firsts if f >= t]
    if after:
        print("trigger %.3f first_byte %.3f latency_ms %.0f" % (t, after[0], (after[0] - t) * 1000))
    else:
        print("trigger %.3f first_byte none latency_ms none" % t)
