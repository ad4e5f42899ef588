#!/usr/bin/python3
"""Run Motion (the classic C daemon, Debian package `motion`) over an image
sequence and recover its per-frame decisions, its motion pictures as block
masks, its events and its CPU time per frame.

How the frames reach Motion: a small HTTP server on 127.0.0.1 answers
GET /snap.jpg with the next frame of the sequence, one frame per request.
Motion treats such a URL as a non-streaming network camera and fetches one
picture per pass of its main loop, so every frame is seen once, in order, at
the configured frame rate (real time, 25 fps by default).

How the decisions come back: Motion saves a picture of every frame it flags
as motion (picture_output on, pre/post capture 0) and the matching "motion
picture" (picture_output_motion on: the changed pixels after its despeckle
filter). To know which source frame a saved picture is, the server adds a
16-row strip above each frame that spells the frame number in 16 black or
white cells; a mask_file hides the strip from detection. The event number
comes from the file name (%v). Frames with no saved picture had no motion.

Usage: peer_motion.py --frames DIR --out DIR [--threshold N] [--fps N]
       [--raw]   (benchmark mode: serve the files' bytes unchanged, no strip,
                  no pictures; only CPU time is measured)
Writes OUT/result.json and, unless --raw, OUT/masks/%06d.pgm.
"""
import argparse
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import cv2
import numpy as np

import blocks

STRIP = 16  # rows added above the frame for the frame number
BITS = 16


def list_frames(d):
    names = sorted(f for f in os.listdir(d)
                   if f.lower().endswith(('.jpg', '.jpeg', '.png')))
    if not names:
        sys.exit('peer_motion: no JPEG/PNG frames in %s' % d)
    return [os.path.join(d, f) for f in names]


def stamp(img, n):
    """The frame with the strip spelling n above it (BGR)."""
    h, w = img.shape[:2]
    out = np.zeros((h + STRIP, w, 3), np.uint8)
    out[STRIP:] = img
    cell = w // BITS
    for b in range(BITS):
        if (n >> b) & 1:
            out[:STRIP, b * cell:(b + 1) * cell] = 255
    return out


def read_stamp(img):
    w = img.shape[1]
    cell = w // BITS
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    n = 0
    for b in range(BITS):
        v = gray[4:STRIP - 4, b * cell + cell // 4:(b + 1) * cell - cell // 4]
        if v.mean() > 128:
            n |= 1 << b
    return n


class Feed:
    """The frames as JPEG bytes and the position of the next one to serve."""

    def __init__(self, payloads, marks):
        self.payloads = payloads
        self.next = 0
        self.gen = 0  # the newest connection; older ones stop sending
        self.pid = None  # Motion's, to read its CPU time at the marks
        self.marks = marks  # frame positions at which to read it
        self.cpu = {}
        self.times = []  # monotonic time at which frame i was served
        self.lock = threading.Lock()
        self.done = threading.Event()

    def take(self):
        with self.lock:
            i = min(self.next, len(self.payloads) - 1)
            if self.next < len(self.payloads):
                if self.next in self.marks and self.pid:
                    self.cpu[self.next] = proc_cpu_s(self.pid)
                self.next += 1
                self.times.append(time.monotonic())
                if self.next == len(self.payloads):
                    self.done.set()
            return self.payloads[i]


def serve(feed, fps):
    """An MJPEG stream (multipart/x-mixed-replace) paced at fps, as a
    network camera sends it. A reconnecting client resumes where the stream
    is, as with a real camera."""
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.0'

        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header('Content-Type',
                             'multipart/x-mixed-replace;boundary=mtframe')
            self.end_headers()
            t0 = time.monotonic()
            k = 0
            with feed.lock:
                feed.gen += 1
                gen = feed.gen
            try:
                while not feed.done.is_set() and feed.gen == gen:
                    body = feed.take()
                    self.wfile.write(b'--mtframe\r\nContent-Type: image/jpeg'
                                     b'\r\nContent-Length: %d\r\n\r\n'
                                     % len(body))
                    self.wfile.write(body)
                    self.wfile.write(b'\r\n')
                    self.wfile.flush()
                    k += 1
                    delay = t0 + k / fps - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def proc_cpu_s(pid):
    """User + system CPU seconds of a process so far (all its threads)."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def write_conf(path, out, port, args, mask, w, h):
    # Detection settings are those of Debian's /etc/motion/motion.conf
    # (threshold 1500, despeckle_filter EedDl, minimum_motion_frames 1,
    # event_gap 60; noise_level 32 and noise_tune on are Motion's own
    # defaults). Everything else only says where frames come from and what
    # is written.
    lines = [
        'daemon off', 'setup_mode off',
        'log_file %s/motion.log' % out, 'log_level 6',
        'target_dir %s/pics' % out,
        'netcam_url http://127.0.0.1:%d/stream.mjpg' % port,
        'width %d' % w, 'height %d' % h,
        'framerate %d' % args.fps,
        'threshold %d' % args.threshold,
        'despeckle_filter EedDl', 'minimum_motion_frames 1', 'event_gap 60',
        'pre_capture 0', 'post_capture 0',
        'movie_output off', 'webcontrol_port 0', 'stream_port 0',
    ]
    if args.emulate:
        lines.append('emulate_motion on')
    if args.raw:
        lines += ['picture_output off', 'picture_output_motion off']
    else:
        lines += ['picture_output on', 'picture_output_motion on',
                  'picture_type ppm',
                  'picture_filename %v-%Y%m%d%H%M%S-%q',
                  'mask_file %s' % mask]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--frames', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--threshold', type=int, default=1500)
    ap.add_argument('--fps', type=int, default=25)
    ap.add_argument('--raw', action='store_true')
    ap.add_argument('--emulate', action='store_true',
                    help='calibration: emulate_motion on, so every frame '
                    'Motion analyses is saved; shows which frames it saw')
    ap.add_argument('--lead-in', type=float, default=8.0,
                    help='seconds of the first frame sent before frame 1')
    ap.add_argument('--warmup', type=int, default=10,
                    help='frames served before CPU time is counted')
    args = ap.parse_args()

    files = list_frames(args.frames)
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(os.path.join(args.out, 'pics'))
    first = cv2.imread(files[0])
    h, w = first.shape[:2]
    payloads = []
    for i, f in enumerate(files, 1):
        if args.raw:
            with open(f, 'rb') as fh:
                payloads.append(fh.read())
        else:
            img = cv2.imread(f)
            ok, enc = cv2.imencode('.jpg', stamp(img, i),
                                   [cv2.IMWRITE_JPEG_QUALITY, 95])
            payloads.append(enc.tobytes())
    mask = os.path.join(args.out, 'mask.pgm')
    m = np.full((h + STRIP, w), 255, np.uint8)
    m[:STRIP] = 0
    cv2.imwrite(mask, m)

    # Motion (libavformat) reads a few seconds of the stream while it
    # connects and probes it; lead-in copies of the first frame (numbered 0,
    # never scored) keep the real frames from being eaten by that.
    # A lead-out of one second of the last frame (also numbered 0) lets the
    # last real frame through the demuxer, which waits for the next part.
    lead = int(args.lead_in * args.fps)
    n = len(payloads)
    if args.raw:
        head, tail = payloads[0], payloads[-1]
    else:
        head = cv2.imencode('.jpg', stamp(first, 0),
                            [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
        tail = cv2.imencode('.jpg', stamp(cv2.imread(files[-1]), 0),
                            [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    payloads = [head] * lead + payloads + [tail] * args.fps
    mark0, mark1 = lead + args.warmup, lead + n + 2
    feed = Feed(payloads, (mark0, mark1))
    srv = serve(feed, args.fps)
    conf = os.path.join(args.out, 'motion.conf')
    write_conf(conf, args.out, srv.server_address[1], args, mask,
               w, h + (0 if args.raw else STRIP))
    proc = subprocess.Popen(['motion', '-n', '-c', conf],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    feed.pid = proc.pid
    t_end = time.monotonic() + 60 + 2 * len(payloads) / args.fps
    while not feed.done.is_set():
        if proc.poll() is not None:
            sys.exit('peer_motion: motion exited early, see %s/motion.log'
                     % args.out)
        if time.monotonic() > t_end:
            proc.kill()
            sys.exit('peer_motion: timed out feeding motion')
        time.sleep(0.005)
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    srv.shutdown()

    wall = feed.times[-1] - feed.times[0] if len(feed.times) > 1 else 0
    res = {
        'detector': 'motion', 'threshold': args.threshold, 'frames': n,
        'served_fps': round((len(feed.times) - 1) / wall, 2) if wall else None,
        'cpu_us_per_frame': round(
            (feed.cpu[mark1] - feed.cpu[mark0]) * 1e6 / (mark1 - mark0), 1)
        if len(feed.cpu) == 2 else None,
    }
    if not args.raw:
        res.update(collect(args.out, n, w, h))
    with open(os.path.join(args.out, 'result.json'), 'w') as f:
        json.dump(res, f)
    print(json.dumps(res))


def collect(out, n, w, h):
    """Frames, masks and events from the pictures Motion saved."""
    motion = [False] * (n + 1)
    ev = {}
    masks = {}
    pat = re.compile(r'^(\d+)-(\d{14})-(\d+)\.ppm$')
    pics = os.path.join(out, 'pics')
    for name in sorted(os.listdir(pics)):
        mo = pat.match(name)
        if not mo:
            continue
        img = cv2.imread(os.path.join(pics, name))
        f = read_stamp(img)
        if not 1 <= f <= n:
            continue
        motion[f] = True
        v = int(mo.group(1))
        lo, hi = ev.get(v, (f, f))
        ev[v] = (min(lo, f), max(hi, f))
        mname = os.path.join(pics, name[:-4] + 'm.ppm')
        if os.path.exists(mname):
            mimg = cv2.imread(mname, cv2.IMREAD_GRAYSCALE)[STRIP:STRIP + h, :w]
            px = mimg > 0
            masks[f] = px if f not in masks else (masks[f] | px)
    mdir = os.path.join(out, 'masks')
    os.makedirs(mdir, exist_ok=True)
    empty = np.zeros((h, w), bool)
    for f in range(1, n + 1):
        blocks.write_pgm(os.path.join(mdir, '%06d.pgm' % f),
                         blocks.pixels_to_blocks(masks.get(f, empty)))
    return {
        'motion_frames': sum(motion),
        'motion_frames_list': [f for f in range(1, n + 1) if motion[f]],
        'events': [list(ev[v]) for v in sorted(ev)],
        'masked_frames': len(masks),
    }


if __name__ == '__main__':
    main()
