#!/usr/bin/python3
"""Renders a terminal capture with ANSI colours (tmux capture-pane -e -p) as
a PNG, cell by cell: DejaVu Sans Mono for text, the half and full blocks
drawn as rectangles so `view color` looks as it does on a terminal.

    ansi2png.py IN.txt OUT.png [COLUMNS]

Needs Debian's python3-pil and fonts-dejavu-core (tools/deps.sh docs)."""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
FG, BG = (229, 229, 229), (24, 24, 24)
BASE16 = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
          (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
          (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]


def xterm256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = (0, 95, 135, 175, 215, 255)
        return steps[n // 36], steps[n // 6 % 6], steps[n % 6]
    g = 8 + 10 * (n - 232)
    return g, g, g


def sgr(params, st):
    """Applies one SGR sequence's parameters to the state dict."""
    p = [int(x) if x else 0 for x in params.split(";")] if params else [0]
    i = 0
    while i < len(p):
        a = p[i]
        if a == 0:
            st.update(fg=FG, bg=BG, bold=False, rev=False)
        elif a == 1:
            st["bold"] = True
        elif a == 22:
            st["bold"] = False
        elif a == 7:
            st["rev"] = True
        elif a == 27:
            st["rev"] = False
        elif 30 <= a <= 37:
            st["fg"] = BASE16[a - 30]
        elif 90 <= a <= 97:
            st["fg"] = BASE16[a - 90 + 8]
        elif 40 <= a <= 47:
            st["bg"] = BASE16[a - 40]
        elif 100 <= a <= 107:
            st["bg"] = BASE16[a - 100 + 8]
        elif a == 39:
            st["fg"] = FG
        elif a == 49:
            st["bg"] = BG
        elif a in (38, 48) and i + 1 < len(p):
            key = "fg" if a == 38 else "bg"
            if p[i + 1] == 5 and i + 2 < len(p):
                st[key] = xterm256(p[i + 2])
                i += 2
            elif p[i + 1] == 2 and i + 4 < len(p):
                st[key] = tuple(p[i + 2:i + 5])
                i += 4
        i += 1


def cells(text):
    """Rows of (char, fg, bg, bold) from the capture."""
    st = dict(fg=FG, bg=BG, bold=False, rev=False)
    rows = []
    for line in text.split("\n"):
        row = []
        for m in re.finditer(r"\x1b\[([0-9;]*)([A-Za-z])|(.)", line):
            if m.group(3) is not None:
                fg, bg = (st["bg"], st["fg"]) if st["rev"] else (st["fg"], st["bg"])
                row.append((m.group(3), fg, bg, st["bold"]))
            elif m.group(2) == "m":
                sgr(m.group(1), st)
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def render(rows, cols, out):
    font = ImageFont.truetype(FONT, 16)
    bold = ImageFont.truetype(BOLD, 16)
    left, top, right, bottom = font.getbbox("M")
    cw = round(font.getlength("M"))
    ch = 20
    pad = 10
    img = Image.new("RGB", (cols * cw + 2 * pad, max(len(rows), 1) * ch + 2 * pad), BG)
    d = ImageDraw.Draw(img)
    for y, row in enumerate(rows):
        for x, (c, fg, bg, b) in enumerate(row[:cols]):
            x0, y0 = pad + x * cw, pad + y * ch
            d.rectangle([x0, y0, x0 + cw - 1, y0 + ch - 1], fill=bg)
            if c == "\u2580":  # upper half block
                d.rectangle([x0, y0, x0 + cw - 1, y0 + ch // 2 - 1], fill=fg)
            elif c == "\u2584":  # lower half block
                d.rectangle([x0, y0 + ch // 2, x0 + cw - 1, y0 + ch - 1], fill=fg)
            elif c == "\u2588":
                d.rectangle([x0, y0, x0 + cw - 1, y0 + ch - 1], fill=fg)
            elif c != " ":
                d.text((x0, y0 + 1), c, font=bold if b else font, fill=fg)
    img.save(out)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: ansi2png.py IN.txt OUT.png [COLUMNS]")
    rows = cells(open(sys.argv[1], encoding="utf-8", errors="replace").read())
    cols = int(sys.argv[3]) if len(sys.argv) == 4 else max([len(r) for r in rows] + [1])
    render(rows, cols, sys.argv[2])


main()
