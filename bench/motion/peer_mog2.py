#!/usr/bin/python3
"""Run OpenCV's MOG2 background subtractor (Debian python3-opencv, default
parameters: cv2.createBackgroundSubtractorMOG2()) over an image sequence and
write its per-frame block masks in mt-motion-eval's --dump-masks format, for
scoring with `mt-motion-eval --score-masks`.

MOG2 marks foreground 255 and, with its default detectShadows=true, shadows
127; shadows count as background here (CDnet's ground truth marks them 50,
not moving). A block is motion when at least 25% of its pixels are
foreground (bench/motion/blocks.py).

CPU time per frame is the process CPU time (all threads) spent reading and
decoding the file (cv2.imread) and in MOG2's apply(); making block masks and
writing them is not counted.

Usage: peer_mog2.py --frames DIR --out DIR
Writes OUT/masks/%06d.pgm and OUT/result.json.
"""
import argparse
import json
import os
import sys
import time

import cv2

import blocks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--frames', required=True)
    ap.add_argument('--out', required=True)
    args = ap.parse_args()

    names = sorted(f for f in os.listdir(args.frames)
                   if f.lower().endswith(('.jpg', '.jpeg', '.png')))
    if not names:
        sys.exit('peer_mog2: no JPEG/PNG frames in %s' % args.frames)
    mdir = os.path.join(args.out, 'masks')
    os.makedirs(mdir, exist_ok=True)
    mog = cv2.createBackgroundSubtractorMOG2()
    dec = app = 0.0
    motion = 0
    for i, name in enumerate(names, 1):
        t0 = time.process_time()
        img = cv2.imread(os.path.join(args.frames, name))
        t1 = time.process_time()
        fg = mog.apply(img)
        t2 = time.process_time()
        dec += t1 - t0
        app += t2 - t1
        m = blocks.pixels_to_blocks(fg == 255)
        motion += bool(m.any())
        blocks.write_pgm(os.path.join(mdir, '%06d.pgm' % i), m)
    n = len(names)
    res = {
        'detector': 'mog2', 'frames': n, 'motion_frames': motion,
        'decode_us_per_frame': round(dec * 1e6 / n, 1),
        'analysis_us_per_frame': round(app * 1e6 / n, 1),
        'cpu_us_per_frame': round((dec + app) * 1e6 / n, 1),
    }
    with open(os.path.join(args.out, 'result.json'), 'w') as f:
        json.dump(res, f)
    print(json.dumps(res))


if __name__ == '__main__':
    main()
