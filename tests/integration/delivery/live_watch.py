#!/usr/bin/env python3
"""Watches a live upload from outside: every 0.1 s it lists the device's
spool for clips still being recorded (clip-N.mp4.part) and asks the station
for its uploads in progress (`mt-station uploads --json`). A line

    live <unix time> clip-000002.mp4 <bytes at the station>

is written whenever the station holds bytes of a clip whose .part was in
the spool just before and just after the station was asked: bytes stored
while the clip was still being recorded. Runs until killed.

    live_watch.py MT-STATION STATION-DATA SPOOL OUT
"""
import json
import os
import subprocess
import sys
import time

station, data, spool, out = sys.argv[1:5]


def parts():
    try:
        return {n[:-5] for n in os.listdir(spool) if n.endswith(".mp4.part")}
    except FileNotFoundError:
        return set()


with open(out, "a", buffering=1) as log:
    while True:
        before = parts()
        if before:
            r = subprocess.run([station, "uploads", "--data", data, "--json"],
                               capture_output=True, text=True)
            after = parts()
            now = time.time()
            if r.returncode == 0:
                for u in json.loads(r.stdout).get("uploads", []):
                    name = u["filename"]
                    if (name in before and name in after and u["length"] == -1
                            and u["offset"] > 0):
                        log.write("live %.3f %s %d\n" % (now, name, u["offset"]))
        time.sleep(0.1)
