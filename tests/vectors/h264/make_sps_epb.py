#!/usr/bin/env python3
"""Writes sps-epb-312x234.bin: an SPS whose picture size follows four
emulation-prevention bytes (00 00 03), to test the RBSP unescaping."""
import sys


def ue(v):
    b = bin(v + 1)[2:]
    return '0' * (len(b) - 1) + b


def se(v):
    return ue(2 * v - 1 if v > 0 else -2 * v)


bits = format(66, '08b') + format(0xC0, '08b') + format(30, '08b')
bits += ue(0) + ue(0) + ue(1)  # sps id, log2_max_frame_num - 4, POC type 1
bits += '0' + se(-(1 << 27)) + se(0) + ue(1) + se(1 << 26)
bits += ue(1) + '0' + ue(19) + ue(14) + '1' + '1' + '1'  # 20x15 MBs, frame, crop
bits += ue(2) + ue(2) + ue(0) + ue(3)  # crop left, right, top, bottom
bits += '0' + '1'  # no VUI, stop bit
bits += '0' * (-len(bits) % 8)
rbsp = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
out = bytearray([0x67])
zeros = 0
for b in rbsp:
    if zeros >= 2 and b <= 3:
        out.append(3)
        zeros = 0
    out.append(b)
    zeros = zeros + 1 if b == 0 else 0
open(sys.argv[1] if len(sys.argv) > 1 else 'sps-epb-312x234.bin', 'wb').write(bytes(out))
