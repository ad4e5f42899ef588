#!/usr/bin/env python3
"""Tamper test for clip evidence (docs/evidence.md).

Makes real fragmented MP4 clips from real footage with ffmpeg, seals them as
one chain with the firmware's sealer (mt-test-seal), checks them with stock
openssl and sha256sum, then applies every mutation below and checks that
mt-verify names the right reason for each (and exits non-zero).

usage: tamper.py MT_TEST_SEAL MT_VERIFY     (env MT_FOOTAGE, MT_EMULATOR)
"""
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

SEAL, VERIFY = sys.argv[1], sys.argv[2]
EMU = os.environ.get("MT_EMULATOR", "").split()
FOOTAGE = os.path.join(os.environ["MT_FOOTAGE"], "cdnet-highway", "input", "in%06d.jpg")
failures = []
checked = 0


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def make_clip(path, first_frame, frames=60, movflags="empty_moov+default_base_moof",
              frag_us=1000000):
    """A real fMP4: 15 fps MJPEG from the footage, one fragment per second
    (frag_us None: ffmpeg cuts where movflags say)."""
    frag = ["-frag_duration", str(frag_us)] if frag_us else []
    r = run(["ffmpeg", "-v", "error", "-y", "-framerate", "15", "-start_number",
             str(first_frame), "-i", FOOTAGE, "-frames:v", str(frames), "-c:v", "copy",
             "-movflags", movflags, *frag, path])
    assert r.returncode == 0, r.stderr


def seal(keydir, clips, *opts):
    r = run(EMU + [SEAL, *opts, keydir, *clips])
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def boxes(data):
    """Top-level boxes as (type, offset, size)."""
    out, off = [], 0
    while off < len(data):
        size, typ = struct.unpack(">I4s", data[off:off + 8])
        out.append((typ.decode(), off, size))
        off += size
    return out


def fragments(data):
    """(init bytes, [fragment bytes], trailer bytes), as docs/evidence.md cuts them."""
    bx = boxes(data)
    moofs = [o for t, o, s in bx if t == "moof"]
    mfra = [o for t, o, s in bx if t == "mfra"]
    end = mfra[0] if mfra else len(data)
    cuts = moofs + [end]
    return data[:moofs[0]], [data[cuts[i]:cuts[i + 1]] for i in range(len(moofs))], data[end:]


def join(init, frags, trailer):
    return init + b"".join(frags) + trailer


def read(p):
    with open(p, "rb") as f:
        return f.read()


def write(p, b):
    with open(p, "wb") as f:
        f.write(b)


def verify(args):
    r = run(EMU + [VERIFY, *args])
    lines = [l for l in r.stdout.splitlines() if l]
    return r.returncode, lines


def expect(name, args, clip, pattern, rc=1):
    """mt-verify on args: the line for clip matches pattern, exit code rc."""
    global checked
    checked += 1
    code, lines = verify(args)
    line = next((l for l in lines if l.startswith(clip + ":")), None)
    if line is None or not re.fullmatch(re.escape(clip) + ": " + pattern, line) or code != rc:
        failures.append(f"{name}: want '{pattern}' rc {rc}, got {line!r} rc {code} ({lines})")


def copy_clip(src_dir, seq, dst_dir, new_seq=None):
    new_seq = seq if new_seq is None else new_seq
    for ext in ("mp4", "json", "sig", "ckpt"):
        s = os.path.join(src_dir, f"clip-{seq:06d}.{ext}")
        if os.path.exists(s):
            shutil.copy(s, os.path.join(dst_dir, f"clip-{new_seq:06d}.{ext}"))


def fresh(work, tag, base, seqs):
    d = os.path.join(work, tag)
    os.makedirs(d)
    for s in seqs:
        copy_clip(base, s, d)
    shutil.copy(os.path.join(base, "evidence.pub.pem"), d)
    return d


def independent_checks(base, pub):
    """Stock openssl for every signature, sha256sum for every hash."""
    global checked
    for seq in range(1, 5):
        stem = os.path.join(base, f"clip-{seq:06d}")
        r = run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature", stem + ".sig",
                 stem + ".json"])
        checked += 1
        if r.stdout.strip() != "Verified OK":
            failures.append(f"openssl rejects the manifest of clip {seq}: {r.stdout}{r.stderr}")
        m = json.loads(read(stem + ".json"))
        data = read(stem + ".mp4")
        s = run(["sha256sum", stem + ".mp4"]).stdout.split()[0]
        if s != m["clip"]["sha256"] or len(data) != m["clip"]["bytes"]:
            failures.append(f"clip {seq}: sha256sum {s} != manifest {m['clip']['sha256']}")
        init, frags, _ = fragments(data)
        chain = hashlib.sha256(init).digest()
        for i, (f, mf) in enumerate(zip(frags, m["fragments"])):
            got = subprocess.run(["sha256sum"], input=f, capture_output=True).stdout.split()[0]
            if got.decode() != mf["sha256"] or mf["offset"] != len(init) + sum(map(len, frags[:i])):
                failures.append(f"clip {seq} fragment {i + 1}: hash or offset differs")
            chain = hashlib.sha256(chain + hashlib.sha256(f).digest()).digest()
        if chain.hex() != m["chain_sha256"] or len(frags) != len(m["fragments"]):
            failures.append(f"clip {seq}: chain differs from the definition")
        if seq > 1:
            prev = hashlib.sha256(read(os.path.join(base, f"clip-{seq - 1:06d}.json"))).hexdigest()
            if m["prev_manifest_sha256"] != prev:
                failures.append(f"clip {seq}: prev_manifest_sha256 is not the previous manifest's")
        # every checkpoint record, with openssl alone
        lines = read(stem + ".ckpt").split(b"\n")[:-1]
        if len(lines) != m["checkpoints"]["count"] or len(lines) < 2:
            failures.append(f"clip {seq}: {len(lines)} checkpoint records")
        for n, line in enumerate(lines):
            rec, sig = line.split(b"\t")
            write(stem + ".rec", rec)
            write(stem + ".rsig", bytes.fromhex(sig.decode()))
            r = run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature", stem + ".rsig",
                     stem + ".rec"])
            checked += 1
            if r.stdout.strip() != "Verified OK":
                failures.append(f"openssl rejects checkpoint {n + 1} of clip {seq}")
            rj = json.loads(rec)
            c = hashlib.sha256(init).digest()
            for f in frags[:rj["fragments"]]:
                c = hashlib.sha256(c + hashlib.sha256(f).digest()).digest()
            if c.hex() != rj["chain_sha256"]:
                failures.append(f"clip {seq} checkpoint {n + 1}: chain differs")
            os.remove(stem + ".rec")
            os.remove(stem + ".rsig")


def single_clip_mutations(work, base, pub):
    c2 = lambda d: os.path.join(d, "clip-000002.mp4")
    data = read(c2(base))
    init, frags, trailer = fragments(data)
    n = len(frags)
    assert n >= 4, n
    other_init, other_frags, _ = fragments(read(os.path.join(base, "clip-000001.mp4")))

    d = fresh(work, "intact", base, [2])
    expect("intact clip", ["--pubkey", pub, c2(d)], c2(d), "OK", rc=0)

    # a bit flipped in the middle of each fragment's media data, and in the init segment
    for i in range(n):
        d = fresh(work, f"flip-frag{i + 1}", base, [2])
        f = bytearray(frags[i])
        f[len(f) // 2] ^= 0x10
        write(c2(d), join(init, frags[:i] + [bytes(f)] + frags[i + 1:], trailer))
        expect(f"bit flip in fragment {i + 1}", ["--pubkey", pub, c2(d)], c2(d),
               f"FAIL altered fragment {i + 1}")
    d = fresh(work, "flip-init", base, [2])
    b = bytearray(data)
    b[len(init) - 20] ^= 0x01
    write(c2(d), bytes(b))
    expect("bit flip in the init segment", ["--pubkey", pub, c2(d)], c2(d),
           "FAIL altered init segment")

    # bits flipped all over the manifest (except inside key_id, which names the key)
    man = read(os.path.join(base, "clip-000002.json"))
    kid = man.index(b'"key_id":"') + 10
    positions = [p for p in range(0, len(man) - 2, max(1, len(man) // 40))
                 if not kid <= p < kid + 64]
    for p in positions:
        d = fresh(work, f"flip-manifest-{p}", base, [2])
        b = bytearray(man)
        b[p] ^= 0x02
        write(os.path.join(d, "clip-000002.json"), bytes(b))
        expect(f"bit flip in the manifest at {p}", ["--pubkey", pub, c2(d)], c2(d),
               "FAIL bad signature")
    d = fresh(work, "truncated-manifest", base, [2])
    write(os.path.join(d, "clip-000002.json"), man[:-100])
    expect("truncated manifest", ["--pubkey", pub, c2(d)], c2(d), "FAIL truncated manifest")

    # a bit flipped in each byte of the signature
    sig = read(os.path.join(base, "clip-000002.sig"))
    for p in range(len(sig)):
        d = fresh(work, f"flip-sig-{p}", base, [2])
        b = bytearray(sig)
        b[p] ^= 0x01 << (p % 8)
        write(os.path.join(d, "clip-000002.sig"), bytes(b))
        expect(f"bit flip in the signature at {p}", ["--pubkey", pub, c2(d)], c2(d),
               "FAIL bad signature")

    # fragments deleted, swapped, duplicated, spliced in from another clip
    cases = [
        ("fragment 2 deleted", frags[:1] + frags[2:], "FAIL missing fragment 2"),
        ("last fragment deleted", frags[:-1], f"FAIL missing fragment {n}"),
        ("fragments 2 and 3 swapped", [frags[0], frags[2], frags[1]] + frags[3:],
         r"FAIL reordered: fragments 2 and 3 swapped"),
        ("fragment 2 duplicated", frags[:2] + [frags[1]] + frags[2:],
         r"FAIL duplicated fragment 2 \(again as 3\)"),
        ("fragment 3 from another clip", frags[:2] + [other_frags[2]] + frags[3:],
         "FAIL altered fragment 3"),
        ("another clip's fragment added", frags + [other_frags[0]], f"FAIL extra fragment {n + 1}"),
    ]
    for name, fl, pattern in cases:
        d = fresh(work, name.replace(" ", "-").replace("'", ""), base, [2])
        write(c2(d), join(init, fl, trailer))
        expect(name, ["--pubkey", pub, c2(d)], c2(d), pattern)

    # cut short by a power loss, manifest present: the file lost its tail
    d = fresh(work, "truncated-clip", base, [2])
    write(c2(d), data[:len(init) + sum(map(len, frags[:2])) + 1000])
    expect("clip truncated in fragment 3", ["--pubkey", pub, c2(d)], c2(d),
           "FAIL truncated at fragment 3")

    # a power loss before the manifest: only checkpoint records
    ckpts = read(os.path.join(base, "clip-000002.ckpt")).count(b"\n")
    for name, keep, pattern, rc in [
        ("no manifest, whole file", len(data), f"PARTIAL {ckpts}/{ckpts}", 0),
        ("no manifest, cut in the last fragment", len(data) - len(trailer) - 5000,
         f"PARTIAL {ckpts - 1}/{ckpts}", 0),
        ("no manifest, cut in fragment 1", len(init) + 100,
         f"FAIL no manifest, and none of {ckpts} checkpoints verifies", 1),
    ]:
        d = fresh(work, name.replace(" ", "-").replace(",", ""), base, [2])
        os.remove(os.path.join(d, "clip-000002.json"))
        os.remove(os.path.join(d, "clip-000002.sig"))
        write(c2(d), data[:keep])
        expect(name, ["--pubkey", pub, c2(d)], c2(d), pattern, rc=rc)
    d = fresh(work, "no-manifest-torn-record", base, [2])
    os.remove(os.path.join(d, "clip-000002.json"))
    os.remove(os.path.join(d, "clip-000002.sig"))
    ck = read(os.path.join(d, "clip-000002.ckpt"))
    write(os.path.join(d, "clip-000002.ckpt"), ck[:-40])  # the last line torn by the cut
    expect("no manifest, last checkpoint torn", ["--pubkey", pub, c2(d)], c2(d),
           f"PARTIAL {ckpts - 1}/{ckpts - 1}", rc=0)
    d = fresh(work, "no-manifest-flipped-record", base, [2])
    os.remove(os.path.join(d, "clip-000002.json"))
    os.remove(os.path.join(d, "clip-000002.sig"))
    b = bytearray(ck)
    b[ck.index(b'"fragments":') + 12] ^= 0x01
    write(os.path.join(d, "clip-000002.ckpt"), bytes(b))
    expect("no manifest, bit flip in checkpoint 1", ["--pubkey", pub, c2(d)], c2(d),
           r"FAIL bad signature \(checkpoint 1\)")
    d = fresh(work, "nothing-signed", base, [2])
    for ext in ("json", "sig", "ckpt"):
        os.remove(os.path.join(d, "clip-000002." + ext))
    expect("no manifest, no checkpoints", ["--pubkey", pub, c2(d)], c2(d), "FAIL missing manifest")

    # signed by another key (another device), and checked against another key
    d = fresh(work, "other-key", base, [2])
    seal(os.path.join(work, "keys-other"), [c2(d)], "--key-seed", "2", "--first-seq", "2")
    expect("clip signed by another key", ["--pubkey", pub, c2(d)], c2(d), "FAIL wrong key")
    other_pub = os.path.join(work, "keys-other", "evidence.pub.pem")
    d = fresh(work, "verified-with-other-key", base, [2])
    expect("clip checked against another key", ["--pubkey", other_pub, c2(d)], c2(d),
           "FAIL wrong key")


def chain_mutations(work, base, pub):
    cp = lambda d, s: os.path.join(d, f"clip-{s:06d}.mp4")
    d = fresh(work, "chain-intact", base, [1, 2, 3, 4])
    for s in range(1, 5):
        expect(f"intact chain, clip {s}", ["--pubkey", pub, "--chain", d], cp(d, s), "OK", rc=0)

    d = fresh(work, "chain-drop", base, [1, 2, 4])
    expect("clip 3 dropped from the chain", ["--pubkey", pub, "--chain", d], cp(d, 4),
           "FAIL gap in chain after sequence 2")
    expect("clip 3 dropped: clip 2 still OK", ["--pubkey", pub, "--chain", d], cp(d, 2), "OK")

    d = fresh(work, "chain-replay", base, [1, 2, 3, 4])
    copy_clip(base, 2, d, new_seq=5)
    expect("old clip 2 replayed as clip 5", ["--pubkey", pub, "--chain", d], cp(d, 5),
           "FAIL replayed: a copy of sequence 2")
    expect("old clip replayed: the original stays OK", ["--pubkey", pub, "--chain", d], cp(d, 2),
           "OK")

    d = fresh(work, "chain-replace", base, [1, 2, 3])
    copy_clip(base, 1, d, new_seq=4)
    expect("clip 4 replaced by old clip 1", ["--pubkey", pub, "--chain", d], cp(d, 4),
           "FAIL replayed: a copy of sequence 1")

    d = fresh(work, "chain-splice", base, [1, 2, 3, 4])
    i1, f1, _ = fragments(read(cp(d, 1)))
    i3, f3, t3 = fragments(read(cp(d, 3)))
    write(cp(d, 3), join(i3, f3[:1] + [f1[1]] + f3[2:], t3))
    expect("fragment of clip 1 spliced into clip 3", ["--pubkey", pub, "--chain", d], cp(d, 3),
           r"FAIL fragment 2 spliced in from sequence 1 \(its fragment 2\)")

    d = fresh(work, "chain-other-key", base, [1, 2, 3, 4])
    prev = hashlib.sha256(read(os.path.join(d, "clip-000002.json"))).hexdigest()
    seal(os.path.join(work, "keys-other"), [cp(d, 3)], "--key-seed", "2", "--first-seq", "3",
         "--prev", prev)
    expect("clip 3 re-signed by another key", ["--pubkey", pub, "--chain", d], cp(d, 3),
           "FAIL wrong key")

    d = fresh(work, "chain-relink", base, [1, 2, 3, 4])
    seal(os.path.join(work, "keys"), [cp(d, 3)], "--first-seq", "3")  # prev: zeros
    expect("clip 3 not linked to clip 2", ["--pubkey", pub, "--chain", d], cp(d, 3),
           "FAIL chain broken: does not follow sequence 2")
    expect("clip 4 not linked to the new clip 3", ["--pubkey", pub, "--chain", d], cp(d, 4),
           "FAIL chain broken: does not follow sequence 3")

    d = fresh(work, "chain-renamed", base, [1, 2, 3])
    for ext in ("mp4", "json", "sig", "ckpt"):
        os.rename(os.path.join(d, f"clip-000003.{ext}"), os.path.join(d, f"clip-000007.{ext}"))
    expect("clip 3 renamed clip 7", ["--pubkey", pub, "--chain", d], cp(d, 7),
           "FAIL renamed: its manifest is sequence 3")

    code, lines = verify(["--json", "--pubkey", pub, "--chain", fresh(work, "json", base, [1, 2])])
    doc = json.loads("\n".join(lines))
    if code != 0 or not doc["ok"] or [c["status"] for c in doc["clips"]] != ["OK", "OK"]:
        failures.append(f"--json: {lines}")


def other_layouts(work):
    """Files laid out as other muxers do, sealed and verified alike: ffmpeg's
    frag_keyframe without empty_moov (the first frame's mdat in the init
    segment, one fragment per frame, an mfra trailer), and with the
    trailer cut off. Each checkpoint covers the init segment and its
    fragments, never the trailer."""
    global checked
    d = os.path.join(work, "layouts")
    os.makedirs(d)
    for n, flags in ((1, "frag_keyframe"), (2, "frag_keyframe+empty_moov")):
        clip = os.path.join(d, f"clip-{n:06d}.mp4")
        make_clip(clip, 600, frames=40, movflags=flags, frag_us=None)
        with open(clip, "rb") as f:
            kinds = [t for t, o, s in boxes(f.read())]
        if n == 1 and ("mfra" not in kinds or kinds.count("moof") < 30):
            failures.append(f"layouts: ffmpeg made {kinds[:6]}..., not the layout meant")
    keys = os.path.join(d, "keys")
    seal(keys, [os.path.join(d, "clip-000001.mp4"), os.path.join(d, "clip-000002.mp4")],
         "--checkpoint-ms", "1000")
    code, lines = verify(["--pubkey", os.path.join(keys, "evidence.pub.pem"), "--chain", d])
    checked += 1
    if code != 0 or not all(l.endswith(": OK") for l in lines if l.startswith(d)):
        failures.append(f"layouts: mt-verify on ffmpeg's own layouts: {lines}")


def main():
    work = tempfile.mkdtemp(prefix="mt-tamper-")
    try:
        base = os.path.join(work, "base")
        os.makedirs(base)
        clips = []
        for s in range(1, 5):
            clips.append(os.path.join(base, f"clip-{s:06d}.mp4"))
            make_clip(clips[-1], 470 + 60 * s)
        keys = os.path.join(work, "keys")
        seal(keys, clips)
        pub = os.path.join(keys, "evidence.pub.pem")
        shutil.copy(pub, base)
        mode = os.stat(os.path.join(keys, "evidence.key")).st_mode & 0o777
        if mode != 0o600:
            failures.append(f"evidence.key has mode {mode:o}")
        independent_checks(base, pub)
        single_clip_mutations(work, base, pub)
        chain_mutations(work, base, pub)
        other_layouts(work)
    finally:
        shutil.rmtree(work)
    print(f"tamper: {checked} checks, {len(failures)} failed")
    for f in failures:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
