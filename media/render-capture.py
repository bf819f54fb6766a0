#!/usr/bin/python3
"""Renders a `tmux capture-pane -e -p` capture (text with SGR colour codes) to a PNG, cell by cell.

Usage: render-capture.py CAPTURE.ansi OUT.png COLUMNS ROWS
Needs Pillow (Debian: apt-get install python3-pil) and DejaVu Sans Mono (fonts-dejavu-core).
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = '/usr/share/fonts/truetype/dejavu/'
FONT_SIZE = 16
PAD = 12
BACKGROUND = (24, 24, 27)
FOREGROUND = (212, 212, 216)
# xterm's 16 colours, a little softened (the palette a dark terminal theme uses).
PALETTE = [
    (24, 24, 27), (205, 49, 49), (13, 188, 121), (229, 229, 16),
    (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]
SGR = re.compile(r'\x1b\[([\d;]*)m')
OTHER_ESCAPE = re.compile(r'\x1b(\[[\d;?]*[A-Za-z]|\][^\x07]*\x07|[()][A-Za-z0-9])')


def color256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    level = 8 + 10 * (n - 232)
    return (level, level, level)


def apply_sgr(params, style):
    codes = [int(p) if p else 0 for p in params.split(';')] if params else [0]
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            style.update(fg=None, bg=None, bold=False, dim=False, inverse=False)
        elif code == 1:
            style['bold'] = True
        elif code == 2:
            style['dim'] = True
        elif code == 22:
            style.update(bold=False, dim=False)
        elif code == 7:
            style['inverse'] = True
        elif code == 27:
            style['inverse'] = False
        elif 30 <= code <= 37:
            style['fg'] = PALETTE[code - 30]
        elif 90 <= code <= 97:
            style['fg'] = PALETTE[code - 90 + 8]
        elif code == 39:
            style['fg'] = None
        elif 40 <= code <= 47:
            style['bg'] = PALETTE[code - 40]
        elif 100 <= code <= 107:
            style['bg'] = PALETTE[code - 100 + 8]
        elif code == 49:
            style['bg'] = None
        elif code in (38, 48) and i + 1 < len(codes):
            key = 'fg' if code == 38 else 'bg'
            if codes[i + 1] == 5 and i + 2 < len(codes):
                style[key] = color256(codes[i + 2])
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                style[key] = tuple(codes[i + 2:i + 5])
                i += 4
        i += 1


def cells(text, columns, rows):
    """The screen as rows of (char, style) cells."""
    grid = []
    style = dict(fg=None, bg=None, bold=False, dim=False, inverse=False)
    for line in text.split('\n')[:rows]:
        row = []
        pos = 0
        while pos < len(line):
            match = SGR.match(line, pos)
            if match:
                apply_sgr(match.group(1), style)
                pos = match.end()
                continue
            other = OTHER_ESCAPE.match(line, pos)
            if other:
                pos = other.end()
                continue
            if len(row) < columns:
                row.append((line[pos], dict(style)))
            pos += 1
        grid.append(row)
    while len(grid) < rows:
        grid.append([])
    return grid


def render(text, out, columns, rows):
    regular = ImageFont.truetype(FONT_DIR + 'DejaVuSansMono.ttf', FONT_SIZE)
    bold = ImageFont.truetype(FONT_DIR + 'DejaVuSansMono-Bold.ttf', FONT_SIZE)
    cell_w = round(regular.getlength('M'))
    ascent, descent = regular.getmetrics()
    cell_h = ascent + descent + 2
    image = Image.new('RGB', (columns * cell_w + 2 * PAD, rows * cell_h + 2 * PAD), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(cells(text, columns, rows)):
        for x, (char, style) in enumerate(row):
            fg = style['fg'] or FOREGROUND
            bg = style['bg']
            if style['inverse']:
                fg, bg = (bg or BACKGROUND), fg
            if style['dim']:
                fg = tuple(c // 2 + BACKGROUND[i] // 2 for i, c in enumerate(fg))
            left, top = PAD + x * cell_w, PAD + y * cell_h
            if bg is not None:
                draw.rectangle([left, top, left + cell_w - 1, top + cell_h - 1], fill=bg)
            if char == ' ':
                continue
            if box_drawing(draw, char, left, top, cell_w, cell_h, fg):
                continue
            draw.text((left, top + 1), char, font=bold if style['bold'] else regular, fill=fg)
    image.save(out)


def box_drawing(draw, char, left, top, w, h, fill):
    """Lines that join across cells (the font's box glyphs leave gaps at this line height)."""
    cx, cy = left + w // 2, top + h // 2
    right, bottom = left + w - 1, top + h - 1
    segments = {
        '─': [(left, cy, right, cy)],
        '│': [(cx, top, cx, bottom)],
        '╭': [(cx, cy, right, cy), (cx, cy, cx, bottom)],
        '╮': [(left, cy, cx, cy), (cx, cy, cx, bottom)],
        '╰': [(cx, top, cx, cy), (cx, cy, right, cy)],
        '╯': [(cx, top, cx, cy), (left, cy, cx, cy)],
        '┼': [(left, cy, right, cy), (cx, top, cx, bottom)],
        '┤': [(cx, top, cx, bottom), (left, cy, cx, cy)],
        '├': [(cx, top, cx, bottom), (cx, cy, right, cy)],
        '┬': [(left, cy, right, cy), (cx, cy, cx, bottom)],
        '┴': [(left, cy, right, cy), (cx, top, cx, cy)],
    }.get(char)
    if segments is None:
        return False
    for segment in segments:
        draw.line(segment, fill=fill, width=1)
    return True


if __name__ == '__main__':
    source, target, columns, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(source, encoding='utf-8') as handle:
        render(handle.read(), target, columns, rows)
