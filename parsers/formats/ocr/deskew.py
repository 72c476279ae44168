"""A scanned page's skew, and the page turned straight: the angle from the ink's row profile
(`skew`), points and boxes carried between the page as scanned and as turned, and the
turned page drawn only where it is read (`Turned`)."""

from __future__ import annotations

import math

from parsers.formats.ocr.grid import INK


def skew(gray, max_angle: float = 2.0) -> float:
    """The rotation (degrees) that makes text lines and rulings horizontal; 0 when none
    (projection-profile search: every 0.2° on the page at a sixth of its size, then 0.05° and
    0.01° steps about the best on the page at a third)."""
    third = gray.reduce(3)  # box averages, as Pillow's BOX resize draws them, 4× faster
    tiny, small = _ink_points(third.reduce(2)), _ink_points(third)
    # a text line at a sixth blurs over ~0.3° of turn: 0.2° steps find its peak
    best = max(
        (a / 5 for a in range(int(-max_angle * 5), int(max_angle * 5) + 1)),
        key=lambda a: _profile_score(tiny, a),
    )
    best = max((best + d / 20 for d in range(-3, 4)), key=lambda a: _profile_score(small, a))
    best = max((best + d / 100 for d in range(-4, 5)), key=lambda a: _profile_score(small, a))
    return 0.0 if abs(best) < 0.02 else best


def _ink_points(img):
    """(x, y, height) of an image's ink pixels, centred on the image's middle."""
    import numpy as np

    ys, xs = np.nonzero(np.asarray(img) < INK + 40)
    return (xs + 0.5 - img.width / 2, ys + 0.5 - img.height / 2, img.height)


def _profile_score(points, angle: float) -> float:
    """How sharp the rows' ink profile is once the page is turned by `angle` (as Pillow's
    rotate turns it): the sum of squared differences between neighbouring rows. Computed on
    the ink pixels' coordinates, each shared between the two rows it falls across, rather
    than by rotating the picture at every angle (4× the time: a page is mostly paper)."""
    import numpy as np

    x, y, h = points
    a = math.radians(angle)
    row = h / 2 - x * math.sin(a) + y * math.cos(a) - 0.5
    row = row[(row > -1) & (row < h)]  # ink turned off the page is cut off, as Pillow cuts it
    low = np.floor(row)
    part = row - low
    low = low.astype(np.int64) + 1  # row -1 is index 0
    n = h + 2
    prof = np.bincount(low, 1 - part, minlength=n) + np.bincount(low + 1, part, minlength=n)
    return float(np.square(np.diff(prof)).sum())


def rotated(points, angle: float, size) -> list[tuple[str, float, float]]:
    """Points of a page where they are once the page is rotated by `angle` degrees (Pillow's
    rotate: counter-clockwise about the centre)."""
    a = math.radians(angle)
    cx, cy = size[0] / 2, size[1] / 2
    cos, sin = math.cos(a), math.sin(a)
    return [
        (ch, cx + (x - cx) * cos + (y - cy) * sin, cy - (x - cx) * sin + (y - cy) * cos)
        for ch, x, y in points
    ]


def unrotated(box, angle: float, size) -> list[float]:
    """A box found on the page rotated by `angle` where it is on the page as it came (the
    box round its four corners turned back)."""
    if not angle:
        return list(box)
    x0, y0, x1, y1 = box
    pts = rotated([("", x0, y0), ("", x1, y0), ("", x0, y1), ("", x1, y1)], -angle, size)
    xs, ys = [p[1] for p in pts], [p[2] for p in pts]
    return [min(xs), min(ys), max(xs), max(ys)]


class Turned:
    """A page as `gray.rotate(angle, BICUBIC, fillcolor=255)` draws it, with the `blank`
    boxes painted white, but drawn only where it is read (`crop`): the same affine transform
    Pillow's rotate runs, over the box alone. A page is mostly paper and margins no reading
    looks at, and the bicubic turn of a whole 300-dpi page takes ~0.2 s; the rulings are
    found and the running text read on the page turned by nearest neighbour (`coarse`,
    ~0.016 s), and only the cells read are drawn bicubic (the whole page only for tesseract,
    where PP-OCR's models are absent)."""

    def __init__(self, gray, angle: float, blank: list | tuple = ()):
        self.gray = gray
        self.angle = angle
        self.size = gray.size
        self.blank = list(blank)

    def coarse(self):
        """The whole page turned by nearest neighbour (the blank boxes not painted)."""
        from PIL import Image

        if not self.angle:
            return self.gray.copy()
        return self.gray.rotate(self.angle, resample=Image.Resampling.NEAREST, fillcolor=255)

    def blanked(self, boxes) -> Turned:
        """The same page with `boxes` painted white too."""
        return Turned(self.gray, self.angle, self.blank + list(boxes))

    def crop(self, box):
        """The turned page's pixels in `box` (x0, y0, x1, y1; within the page)."""
        from PIL import Image, ImageDraw

        x0, y0, x1, y1 = (int(v) for v in box)
        if not self.angle:
            out = self.gray.crop((x0, y0, x1, y1))
        else:
            a, b, c, d, e, f = self._matrix()
            out = self.gray.transform(
                (x1 - x0, y1 - y0),
                Image.Transform.AFFINE,
                (a, b, c + a * x0 + b * y0, d, e, f + d * x0 + e * y0),
                resample=Image.Resampling.BICUBIC,
                fillcolor=255,
            )
        draw = None
        for bx0, by0, bx1, by1 in self.blank:
            if bx0 < x1 and bx1 >= x0 and by0 < y1 and by1 >= y0:  # rectangle() paints bx1, by1
                draw = draw or ImageDraw.Draw(out)
                draw.rectangle((bx0 - x0, by0 - y0, bx1 - x0, by1 - y0), fill=255)
        return out

    def whole(self):
        """The whole page, turned bicubic (for a reader that takes the page whole)."""
        w, h = self.size
        return self.crop((0, 0, w, h))

    def _matrix(self) -> tuple[float, ...]:
        # as Pillow's Image.rotate builds it (expand=False, about the centre): the output
        # pixel's centre (x + 0.5, y + 0.5) → the source point it is sampled at
        a = -math.radians(self.angle % 360.0)
        cos, sin = round(math.cos(a), 15), round(math.sin(a), 15)
        cx, cy = self.size[0] / 2, self.size[1] / 2
        return (cos, sin, cos * -cx + sin * -cy + cx, -sin, cos, -sin * -cx + cos * -cy + cy)
