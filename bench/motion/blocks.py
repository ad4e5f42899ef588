"""Per-pixel foreground maps to the block masks mt-motion-eval reads
(--score-masks) and writes (--dump-masks): one pixel per 8x8 block of the
source frame, ceil at the edges, nonzero = motion.

The rule for peers: a block is motion when at least 25% of its pixels (of
the pixels it really has, for the partial blocks at the right and bottom
edges) are foreground. It is the same share the scoring uses to call a
ground-truth block positive.
"""
import numpy as np

BLOCK = 8
SHARE = 0.25


def pixels_to_blocks(fg):
    """fg: HxW bool array. Returns a ceil(H/8) x ceil(W/8) uint8 array."""
    h, w = fg.shape
    bh, bw = -(-h // BLOCK), -(-w // BLOCK)
    pad = np.zeros((bh * BLOCK, bw * BLOCK), np.float32)
    pad[:h, :w] = fg
    ones = np.zeros_like(pad)
    ones[:h, :w] = 1
    cnt = pad.reshape(bh, BLOCK, bw, BLOCK).sum(axis=(1, 3))
    tot = ones.reshape(bh, BLOCK, bw, BLOCK).sum(axis=(1, 3))
    return np.where(cnt >= SHARE * tot, 255, 0).astype(np.uint8)


def write_pgm(path, m):
    h, w = m.shape
    with open(path, 'wb') as f:
        f.write(b'P5\n%d %d\n255\n' % (w, h))
        f.write(np.ascontiguousarray(m, np.uint8).tobytes())
