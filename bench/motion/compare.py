#!/usr/bin/python3
"""matthan's motion detector side by side with its peers, in one run, on all
of /work/shared/footage; robustness variants; CPU per 1080p MJPEG frame.
Writes the tables into docs/motion.md between the lines
<!-- results:begin --> and <!-- results:end --> (or, without those, into
bench/motion/results.md). See bench/motion/README.md.

Usage: compare.py [--eval PATH/mt-motion-eval] [--work DIR] [--doc FILE]
                  [--no-motion] (skip the Motion daemon: minutes faster)
"""
import argparse
import glob
import json
import os
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import score  # noqa: E402
import variants  # noqa: E402

FOOTAGE = os.environ.get('MT_FOOTAGE', '/work/shared/footage')
FPS = 25
PY = '/usr/bin/python3'  # Debian's, with python3-opencv and python3-numpy
BEGIN, END = '<!-- results:begin -->', '<!-- results:end -->'


def log(*a):
    print('compare:', *a, file=sys.stderr, flush=True)


def run_json(cmd):
    """Run cmd; its last stdout line as JSON, and its CPU seconds (rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode:
        sys.exit('compare: %s failed (%d): %s' % (cmd[0], p.returncode,
                                                   p.stderr.strip()[-500:]))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(p.stdout.strip().splitlines()[-1]), cpu


def link_frames(names, out):
    """A clean 1-based image sequence: the detectors read every image file of
    a folder in name order, so only the frames may be in it."""
    os.makedirs(out, exist_ok=True)
    for i, src in enumerate(names, 1):
        dst = os.path.join(out, '%06d%s' % (i, os.path.splitext(src)[1]))
        if not os.path.lexists(dst):
            os.symlink(src, dst)
    return out


def prepare(work):
    """footage name -> dict(frames=DIR, gt args or None)."""
    cd = os.path.join(FOOTAGE, 'cdnet-highway')
    wt = os.path.join(FOOTAGE, 'wavingtrees')
    cc = os.path.join(FOOTAGE, 'highway-cctv', 'video02.avi')
    out = {}
    out['cdnet-highway'] = {
        'frames': link_frames(sorted(glob.glob(cd + '/input/in*.jpg')),
                              os.path.join(work, 'cdnet-highway')),
        'gt': ['--gt', cd + '/groundtruth', '--roi', cd + '/ROI.bmp',
               '--temporal-roi', cd + '/temporalROI.txt'],
    }
    out['wavingtrees'] = {
        'frames': link_frames(sorted(glob.glob(wt + '/b*.png')),
                              os.path.join(work, 'wavingtrees')),
        'gt': None,
    }
    d = os.path.join(work, 'highway-cctv')
    if not glob.glob(d + '/*.png'):
        os.makedirs(d, exist_ok=True)
        subprocess.run(['ffmpeg', '-loglevel', 'error', '-y', '-i', cc,
                        '-start_number', '1', d + '/%06d.png'], check=True)
    out['highway-cctv'] = {'frames': d, 'gt': None}
    return out


def nframes(d):
    return len([f for f in os.listdir(d)
                if f.lower().endswith(('.jpg', '.png'))])


def ours(ev, frames, gt, extra=()):
    res, cpu = run_json([ev, '--frames', frames, '--fps', str(FPS), '--json']
                        + (gt or []) + list(extra))
    res['cpu_us_per_frame'] = round(
        res['decode_us_per_frame'] + res['analysis_us_per_frame'], 1)
    res['process_cpu_us_per_frame'] = round(cpu * 1e6 / res['frames'], 1)
    res['event_spans'] = [(e['start'], e['end']) for e in res['events']]
    return res


def scored_masks(ev, masks, gt, n):
    res, _ = run_json([ev, '--score-masks', masks, '--fps', str(FPS),
                       '--json'] + (gt or []))
    if res['frames'] != n:
        sys.exit('compare: %s: %d masks, %d frames' % (masks, res['frames'], n))
    return res


def mog2(ev, frames, gt, out):
    own, _ = run_json([PY, '-B', os.path.join(HERE, 'peer_mog2.py'),
                       '--frames', frames, '--out', out])
    res = scored_masks(ev, os.path.join(out, 'masks'), gt, own['frames'])
    res['cpu_us_per_frame'] = own['cpu_us_per_frame']
    res['event_spans'] = [(e['start'], e['end']) for e in res['events']]
    return res


def motion(ev, frames, gt, out, threshold, cpu_us=None):
    """Motion's own frame decisions and events; its masks scored by
    mt-motion-eval. cpu_us: from a run without picture output."""
    own, _ = run_json([PY, '-B', os.path.join(HERE, 'peer_motion.py'), '--frames',
                       frames, '--out', out, '--threshold', str(threshold)])
    n = own['frames']
    res = scored_masks(ev, os.path.join(out, 'masks'), gt, n)
    flagged = [0] * n
    for f in own['motion_frames_list']:
        flagged[f - 1] = 1
    if gt:
        own_score = score.score(os.path.join(out, 'masks'), gt[1], gt[3],
                                gt[5], flagged)
        for k in ('frame_precision', 'frame_recall', 'frame_f1'):
            res[k] = own_score[k]
    res['motion_frames'] = own['motion_frames']
    res['events'] = own['events']
    res['event_spans'] = [tuple(e) for e in own['events']]
    res['events_per_hour'] = len(own['events']) * 3600.0 * FPS / n
    res['cpu_us_per_frame'] = cpu_us
    res['served_fps'] = own['served_fps']
    return res


def motion_cpu(frames, out):
    own, _ = run_json([PY, '-B', os.path.join(HERE, 'peer_motion.py'), '--frames',
                       frames, '--out', out, '--raw'])
    return own['cpu_us_per_frame'], own['served_fps']


def tuned_threshold(frames):
    """Motion's default threshold (1500 changed pixels) is for its default
    640x480 picture; the tuned one keeps the same share of the picture."""
    import cv2
    f = sorted(os.listdir(frames))[0]
    h, w = cv2.imread(os.path.join(frames, f)).shape[:2]
    return max(1, round(1500 * w * h / (640 * 480)))


def fmt(x, nd=3):
    if x is None:
        return '–'
    if isinstance(x, float):
        return '%.*f' % (nd, x)
    return str(x)


def spans(s, most=4):
    t = ', '.join('%d–%d' % (a, b) for a, b in s[:most])
    return t + (', …' if len(s) > most else '') if s else 'none'


def table(results, cpu_hd, robust, meta):
    L = []
    L.append('Measured by `bench/motion/compare.py` on %s (%s), all detectors '
             'in the same run. Frame numbers are 1-based; 25 fps.'
             % (meta['date'], meta['host']))
    L.append('')
    L.append('### Side by side on the real footage')
    L.append('')
    L.append('| footage | detector | frame P | frame R | frame F1 | block F1 '
             '| events | events/h | event frames | CPU µs/frame |')
    L.append('|---|---|---|---|---|---|---|---|---|---|')
    for name, rows in results.items():
        for det, r in rows:
            gt = 'frame_f1' in r
            L.append('| %s | %s | %s | %s | %s | %s | %d | %.0f | %s | %s |' % (
                name, det,
                fmt(r.get('frame_precision')) if gt else '–',
                fmt(r.get('frame_recall')) if gt else '–',
                fmt(r.get('frame_f1')) if gt else '–',
                fmt(r.get('block_f1')) if gt else '–',
                len(r['event_spans']), r['events_per_hour'],
                spans(r['event_spans']), fmt(r.get('cpu_us_per_frame'), 0)))
    L.append('')
    L.append('CPU µs/frame is CPU time per frame at the footage\'s own size, '
             'decoding included: for matthan, decode + analysis as '
             'mt-motion-eval times them; for MOG2, cv2.imread + apply(); for '
             'Motion, the daemon\'s whole CPU time (all threads, from '
             '/proc/PID/stat) over the frames, measured in a separate run '
             'without picture output.')
    L.append('')
    L.append('Events: matthan\'s from its event state machine; MOG2 has none, '
             'so its events are those of matthan\'s state machine driven by '
             'its maps; Motion\'s are its own (event_gap 60 s, so at most one '
             'per clip here). Events per hour are extrapolated from clips of '
             '11 to 68 s. Motion\'s numbers vary from run to run (it runs in '
             'real time, and a frame it sees twice or late shifts its '
             'reference): the person in wavingtrees is right at its default '
             'threshold, seen in some runs and not in others. The machine '
             'was shared with other builds, so CPU times carry some noise.')
    L.append('')
    L.append('### Robustness: a still real frame with one nuisance '
             '(events raised; frames flagged in brackets)')
    L.append('')
    dets = list(next(iter(robust.values())).keys())
    L.append('| variant | ' + ' | '.join(dets) + ' |')
    L.append('|---|' + '---|' * len(dets))
    for v, row in robust.items():
        L.append('| %s | ' % v + ' | '.join(
            '%d (%d)' % (len(row[d]['event_spans']), row[d]['motion_frames'])
            for d in dets) + ' |')
    L.append('')
    L.append('Every variant is 250 frames (10 s) of cdnet-highway frame 1 '
             'with sensor noise; nothing moves, so every event is a false '
             'alarm. See `bench/motion/variants.py` for how each is made.')
    L.append('')
    L.append('### CPU per 1080p MJPEG frame')
    L.append('')
    c = cpu_hd
    L.append('%d frames of cdnet-highway (%s) scaled to 1920x1080, MJPEG '
             'q:v 5 (%.0f KB/frame on average).'
             % (c['frames'], c['range'], c['kb_per_frame']))
    L.append('')
    L.append('| what | µs per frame |')
    L.append('|---|---|')
    L.append('| matthan: decode (1/8 scale, grey: the scan walker\'s luma DCs) | %.0f |'
             % c['ours']['decode_us_per_frame'])
    L.append('| matthan: analysis | %.0f |' % c['ours']['analysis_us_per_frame'])
    L.append('| matthan: decode + analysis | %.0f |' % c['ours']['cpu_us_per_frame'])
    L.append('| matthan: whole mt-motion-eval process (reading files, start-up) '
             '| %.0f |' % c['ours']['process_cpu_us_per_frame'])
    if c.get('motion'):
        L.append('| Motion 4.5.1 daemon, all threads (served at %.1f fps) | %.0f |'
                 % (c['motion_fps'], c['motion']))
        L.append('| **ratio Motion / matthan (decode + analysis)** | **%.1fx** |'
                 % (c['motion'] / c['ours']['cpu_us_per_frame']))
        L.append('| ratio Motion / matthan (whole process) | %.1fx |'
                 % (c['motion'] / c['ours']['process_cpu_us_per_frame']))
    L.append('')
    L.append('The whole mt-motion-eval process costs more than decode + '
             'analysis because the evaluation tool turns each map into 8x8 '
             'scoring blocks pixel by pixel (`ev_blocks_from_grid`, most of '
             'its samples under `perf record` at 1080p); the recorder does not '
             'do that. Motion\'s figure is its whole daemon from the 10th to the '
             'last frame (receiving the stream, full-size decode, detection).')
    s = c['split']
    L.append('')
    L.append('Where the decode goes (bench/motion/jpeg_split.c, thread CPU '
             'time, files in memory):')
    L.append('')
    L.append('| step | µs per frame |')
    L.append('|---|---|')
    L.append('| full-size decode to grey (reference) | %.0f |' % s['full_us'])
    L.append('| 1/8-scale decode to grey by TurboJPEG, as the engine did | %.0f |'
             % s['scaled8_us'])
    L.append('| of which entropy (Huffman) decoding | %.0f |' % s['entropy_us'])
    L.append('| of which the rest (DC-only IDCT, output) | %.0f |'
             % s['rest_of_scaled8_us'])
    L.append('| **the engine now: luma DCs by the scan walker** (core/jpeg_scan.h; '
             'the same pixels as the 1/8 decode) | **%.0f** |' % s['walker_us'])
    L.append('| analysis after decoding (mt-motion-eval) | %.0f |'
             % c['ours']['analysis_us_per_frame'])
    r = c.get('rst')
    if r and 'rst_half_us' in r:
        L.append('| with a restart marker every MCU row (jpegtran -restart 1): '
                 '1/8-scale decode | %.0f |' % r['scaled8_us'])
        L.append('| same, decoding only every other restart interval '
                 '(%.0f%% of the bytes) | %.0f |'
                 % (100 * r['rst_half_bytes_share'], r['rst_half_us']))
        L.append('| with restart markers: the scan walker\'s luma DCs | %.0f |'
                 % r['walker_us'])
        L.append('| same, the walker skipping the odd MCU rows\' intervals at '
                 'their RST markers (%.0f%% skipped) | %.0f |'
                 % (100 * r['walker_half_skipped_share'], r['walker_half_us']))
    L.append('')
    return '\n'.join(L)


def write_doc(doc, text):
    if os.path.exists(doc):
        with open(doc) as f:
            s = f.read()
        if BEGIN in s and END in s and s.index(BEGIN) < s.index(END):
            head, rest = s.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            with open(doc, 'w') as f:
                f.write(head + BEGIN + '\n' + text + '\n' + END + tail)
            return doc
    alt = os.path.join(HERE, 'results.md')
    with open(alt, 'w') as f:
        f.write('# Motion detection: measured results\n\n' + text + '\n')
    return alt


def find_eval():
    for d in ('hB', 'hA', 'host'):
        p = os.path.join(ROOT, 'build', d, 'tools/motion-eval/mt-motion-eval')
        if os.access(p, os.X_OK):
            return p
    return None


def cpu_1080p(ev, work, use_motion):
    src = os.path.join(FOOTAGE, 'cdnet-highway', 'input', 'in%06d.jpg')
    hd = os.path.join(work, 'hd1080')
    first, count = 470, 300
    if (nframes(hd) if os.path.isdir(hd) else 0) != count:
        shutil.rmtree(hd, ignore_errors=True)
        os.makedirs(hd)
        subprocess.run(['ffmpeg', '-loglevel', 'error', '-y', '-start_number',
                        str(first), '-i', src, '-frames:v', str(count), '-vf',
                        'scale=1920:1080', '-c:v', 'mjpeg', '-q:v', '5',
                        '-start_number', '1', hd + '/%06d.jpg'], check=True)
    files = sorted(glob.glob(hd + '/*.jpg'))
    out = {'frames': len(files), 'range': 'frames %d–%d' % (first, first + count - 1),
           'kb_per_frame': sum(os.path.getsize(f) for f in files) / len(files) / 1024}
    out['ours'] = ours(ev, hd, None)
    if use_motion:
        out['motion'], out['motion_fps'] = motion_cpu(hd, os.path.join(work, 'mo-hd'))
    split = os.path.join(work, 'jpeg_split')
    core = os.path.join(ROOT, 'firmware', 'core')
    subprocess.run(['cc', '-O2', '-I', os.path.join(ROOT, 'firmware'), '-o', split,
                    os.path.join(HERE, 'jpeg_split.c'), os.path.join(core, 'jpeg_scan.c'),
                    os.path.join(core, 'jpeg_walk.c'), '-lturbojpeg', '-ljpeg'], check=True)
    out['split'], _ = run_json([split, '-r', '3'] + files)
    if shutil.which('jpegtran'):
        rst = os.path.join(work, 'hd1080-rst')
        os.makedirs(rst, exist_ok=True)
        for f in files:
            dst = os.path.join(rst, os.path.basename(f))
            if not os.path.exists(dst):
                subprocess.run(['jpegtran', '-restart', '1', '-outfile', dst, f],
                               check=True)
        out['rst'], _ = run_json([split, '-r', '3'] + sorted(glob.glob(rst + '/*.jpg')))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--eval', default=find_eval())
    ap.add_argument('--work', default='/tmp/mt-bench-motion')
    ap.add_argument('--doc', default=os.path.join(ROOT, 'docs', 'motion.md'))
    ap.add_argument('--no-motion', action='store_true')
    ap.add_argument('--from-json', metavar='RESULTS_JSON',
                    help='only write the tables again from an earlier run')
    args = ap.parse_args()
    if args.from_json:
        with open(args.from_json) as fh:
            t = json.load(fh)['tables']
        log('tables written to', write_doc(args.doc, table(
            t['results'], t['cpu_hd'], t['robust'], t['meta'])))
        return
    if not args.eval:
        sys.exit('compare: no mt-motion-eval; build it or pass --eval')
    use_motion = not args.no_motion and shutil.which('motion')
    os.makedirs(args.work, exist_ok=True)
    w = args.work
    all_raw = {}

    results = {}
    for name, f in prepare(w).items():
        frames, gt = f['frames'], f['gt']
        log(name)
        rows = [('matthan', ours(args.eval, frames, gt)),
                ('MOG2', mog2(args.eval, frames, gt, os.path.join(w, 'mog2-' + name)))]
        if use_motion:
            cpu, _ = motion_cpu(frames, os.path.join(w, 'mo-raw-' + name))
            t = tuned_threshold(frames)
            for thr in (1500, t):
                rows.append(('Motion, threshold %d%s' % (thr, ' (default)' if thr == 1500 else ''),
                             motion(args.eval, frames, gt,
                                    os.path.join(w, 'mo-%d-%s' % (thr, name)), thr, cpu)))
        results[name] = rows
        all_raw[name] = dict(rows)

    log('robustness variants')
    vdirs = variants.make(os.path.join(FOOTAGE, 'cdnet-highway/input/in000001.jpg'),
                          os.path.join(w, 'variants'))
    robust = {}
    for v, d in vdirs.items():
        row = {'matthan': ours(args.eval, d, None),
               'MOG2': mog2(args.eval, d, None, os.path.join(w, 'mog2-var-' + v))}
        if use_motion:
            t = tuned_threshold(d)
            for thr in (1500, t):
                row['Motion %d' % thr] = motion(args.eval, d, None,
                                                os.path.join(w, 'mo-var-%d-%s' % (thr, v)), thr)
        robust[v] = row
    all_raw['robustness'] = robust

    log('1080p CPU')
    cpu_hd = cpu_1080p(args.eval, w, use_motion)
    all_raw['cpu_1080p'] = cpu_hd

    meta = {'date': time.strftime('%Y-%m-%d'),
            'host': '%d CPUs, %s' % (os.cpu_count(), os.uname().machine)}
    all_raw['tables'] = {'results': results, 'cpu_hd': cpu_hd,
                         'robust': robust, 'meta': meta}
    with open(os.path.join(w, 'results.json'), 'w') as fh:
        json.dump(all_raw, fh, indent=1, default=str)
    where = write_doc(args.doc, table(results, cpu_hd, robust, meta))
    log('tables written to', where, '; raw numbers in', os.path.join(w, 'results.json'))


if __name__ == '__main__':
    main()
