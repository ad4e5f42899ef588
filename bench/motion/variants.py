#!/usr/bin/python3
"""Robustness variants made from real footage: a still frame of a real camera
(cdnet-highway by default) repeated for 10 s at 25 fps with mild sensor noise,
and that clip with one nuisance added. Nothing in any of them moves, so every
event a detector raises on them is a false alarm.

  still      the base: the frame plus Gaussian sensor noise (sigma 2)
  step_up    brightness x1.4 from frame 150 on (+40%: lights, auto-exposure)
  step_down  brightness x0.6 from frame 150 on (-40%: a cloud)
  ramp       brightness from x1.0 at frame 100 down to x0.5 at frame 250
  flicker    100 Hz mains flicker as a 25 fps rolling-shutter camera sees it:
             the frame period is 4 flicker periods, so the flicker aliases to
             a beat at the mains error (grid at 50.1 Hz: 0.2 Hz); the ~30 ms
             rolling readout spreads 3 bright/dark bands over the picture,
             rolling slowly through it; depth +-10%, all along
  noise      heavy sensor noise (sigma 8, night gain), all along
  flash      frames 150 and 151 at x2.5 (a camera flash, lightning)

The detectors learn for 4 s (100 frames) at most; the nuisances start after.
Frames are JPEG, quality 90, in DIR/<variant>/%06d.jpg.

Usage: variants.py --frame FILE --out DIR [--frames N]
"""
import argparse
import os

import cv2
import numpy as np

N = 250
FPS = 25.0
AT = 150  # first frame (1-based) of a step or flash


def gain(variant, n, h):
    """Per-row brightness factor (h x 1) of frame n (1-based)."""
    g = np.ones((h, 1), np.float32)
    if variant == 'step_up' and n >= AT:
        g *= 1.4
    elif variant == 'step_down' and n >= AT:
        g *= 0.6
    elif variant == 'ramp' and n >= 100:
        g *= 1.0 - 0.5 * min(1.0, (n - 100) / 150.0)
    elif variant == 'flash' and AT <= n < AT + 2:
        g *= 2.5
    elif variant == 'flicker':
        f = 100.2  # Hz: twice a 50.1 Hz grid
        t = (n - 1) / FPS + np.arange(h, dtype=np.float32)[:, None] * 0.030 / h
        g *= 1.0 + 0.10 * np.sin(2 * np.pi * f * t)
    return g


VARIANTS = ('still', 'step_up', 'step_down', 'ramp', 'flicker', 'noise', 'flash')


def make(frame_path, out, frames=N, variants=VARIANTS):
    base = cv2.imread(frame_path).astype(np.float32)
    h = base.shape[0]
    dirs = {}
    for v in variants:
        d = os.path.join(out, v)
        dirs[v] = d
        if os.path.isdir(d) and len(os.listdir(d)) == frames:
            continue  # made by an earlier run: the same seed, the same frames
        os.makedirs(d, exist_ok=True)
        rng = np.random.default_rng(4)  # the same noise in every variant
        sigma = 8.0 if v == 'noise' else 2.0
        for n in range(1, frames + 1):
            img = base * gain(v, n, h)[:, :, None]
            img += rng.normal(0.0, sigma, base.shape).astype(np.float32)
            img = np.clip(img + 0.5, 0, 255).astype(np.uint8)
            cv2.imwrite(os.path.join(d, '%06d.jpg' % n), img,
                        [cv2.IMWRITE_JPEG_QUALITY, 90])
    return dirs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--frame', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--frames', type=int, default=N)
    args = ap.parse_args()
    for v, d in make(args.frame, args.out, args.frames).items():
        print(v, d)


if __name__ == '__main__':
    main()
