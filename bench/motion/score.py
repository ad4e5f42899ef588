#!/usr/bin/python3
"""A second, independent implementation of the scoring rules of
docs/motion.md, in Python, used to cross-check `mt-motion-eval --score-masks`
(compare.py prints both when they differ) and to score a peer's own
per-frame decisions where they are not the same as "its map has any motion"
(Motion flags a frame by its count of changed pixels, before its block mask
is cut to 8x8 blocks).

Rules: scored frames are those in the temporal ROI whose GT has ROI pixels;
a GT frame is positive when its 255-pixels inside the ROI are at least 0.1%
of the ROI; a GT block (8x8) is ignored when over half its pixels are outside
the ROI or 85/170, positive when at least 25% of its in-ROI pixels are 255;
a detector frame is positive when its map has any motion (or, given
decisions, when the decision says so).

Usage: score.py --masks DIR --gt DIR --roi FILE --temporal-roi FILE
       [--decisions FILE.json (a list of 0/1 per frame, frame 1 first)]
Prints a JSON object: scored_frames, frame_precision, frame_recall,
frame_f1, block_f1.
"""
import argparse
import json
import os

import cv2
import numpy as np

B = 8


def f1(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def block_sums(a, bh, bw):
    h, w = a.shape
    pad = np.zeros((bh * B, bw * B), np.int32)
    pad[:h, :w] = a
    return pad.reshape(bh, B, bw, B).sum(axis=(1, 3))


def score(masks, gt_dir, roi_file, troi_file, decisions=None):
    roi = cv2.imread(roi_file, cv2.IMREAD_GRAYSCALE) > 0
    with open(troi_file) as f:
        lo, hi = (int(x) for x in f.read().split()[:2])
    gts = sorted(os.listdir(gt_dir))
    h, w = roi.shape
    bh, bw = -(-h // B), -(-w // B)
    ones = block_sums(np.ones((h, w), np.int32), bh, bw)
    ftp = ffp = ffn = btp = bfp = bfn = scored = 0
    for n in range(lo, min(hi, len(gts)) + 1):
        g = cv2.imread(os.path.join(gt_dir, gts[n - 1]), cv2.IMREAD_GRAYSCALE)
        inroi = roi & (g != 85)
        if not inroi.any():
            continue
        scored += 1
        gpos = ((g == 255) & inroi).sum() >= 0.001 * inroi.sum()
        m = cv2.imread(os.path.join(masks, '%06d.pgm' % n),
                       cv2.IMREAD_GRAYSCALE) > 0
        dpos = bool(decisions[n - 1]) if decisions is not None else m.any()
        ftp += gpos and dpos
        ffp += (not gpos) and dpos
        ffn += gpos and not dpos
        # in-ROI here means inside ROI.bmp and not 85: 170 (unknown) pixels
        # count against a block in the "ignored" test but are part of the
        # base of its 25% share, as mt-motion-eval reads the rule.
        ngood = block_sums(inroi & (g != 170), bh, bw)
        nroi = block_sums(inroi, bh, bw)
        npos = block_sums(inroi & (g == 255), bh, bw)
        use = ngood * 2 >= ones
        gb = use & (npos * 4 >= nroi) & (nroi > 0)
        db = m & use
        btp += int((gb & db).sum())
        bfp += int((~gb & db).sum())
        bfn += int((gb & ~db).sum())
    p, r, ff = f1(ftp, ffp, ffn)
    return {'scored_frames': scored, 'frame_precision': round(p, 4),
            'frame_recall': round(r, 4), 'frame_f1': round(ff, 4),
            'block_f1': round(f1(btp, bfp, bfn)[2], 4)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--masks', required=True)
    ap.add_argument('--gt', required=True)
    ap.add_argument('--roi', required=True)
    ap.add_argument('--temporal-roi', required=True)
    ap.add_argument('--decisions')
    args = ap.parse_args()
    dec = None
    if args.decisions:
        with open(args.decisions) as f:
            dec = json.load(f)
    print(json.dumps(score(args.masks, args.gt, args.roi, args.temporal_roi,
                           dec)))


if __name__ == '__main__':
    main()
