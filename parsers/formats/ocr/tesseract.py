"""Calling tesseract on a Pillow image: the words of its TSV output with their boxes and
confidences. Each run is a helper process under a time limit (parsers.runner.commands)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from parsers.model import ParseError
from parsers.runner.commands import run_command

DPI = 300  # page images are made at this resolution, and tesseract is told so
LANG = "chi_sim"
TESS_TIMEOUT_S = 120


@dataclass
class Word:
    block: int
    par: int
    line: int
    word: int
    left: int
    top: int
    width: int
    height: int
    conf: float
    text: str


def tesseract(img, psm: int = 3, lang: str = LANG, config: tuple[str, ...] = ()) -> list[Word]:
    return tesseract_each([img], psm=psm, lang=lang, config=config)[0]


def tesseract_each(
    imgs: list, psm: int = 3, lang: str = LANG, config: tuple[str, ...] = ()
) -> list[list[Word]]:
    """The words of each image, all read by one tesseract run (a list file of images: the
    model loads once, where starting tesseract costs about 0.1 s a run)."""
    if not imgs:
        return []
    with tempfile.TemporaryDirectory(prefix="ogi-ocr-") as tmp:
        paths = []
        for k, img in enumerate(imgs):
            paths.append(Path(tmp) / f"{k}.png")
            img.save(paths[-1], dpi=(DPI, DPI), compress_level=0)  # temporary: no deflate
        src = paths[0]
        if len(paths) > 1:
            src = Path(tmp) / "images.txt"
            src.write_text("".join(f"{q}\n" for q in paths))
        opts = [x for c in config for x in ("-c", c)]
        res = run_command(
            [
                "tesseract",
                str(src),
                "stdout",
                "-l",
                lang,
                "--psm",
                str(psm),
                "--dpi",
                str(DPI),
                *opts,
                "tsv",
            ],
            timeout_s=TESS_TIMEOUT_S,
            env={"OMP_THREAD_LIMIT": "1"},
            what="tesseract",
        )
    if res.returncode != 0:
        raise ParseError(
            "tesseract failed: "
            + res.stderr.decode("utf-8", "replace").strip().splitlines()[-1:][0]
            if res.stderr.strip()
            else "tesseract failed"
        )
    words: list[list[Word]] = [[] for _ in imgs]
    for line in res.stdout.decode("utf-8", "replace").splitlines():
        f = line.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue  # the header (one per image), and rows that are not words
        words[int(f[1]) - 1].append(Word(*(int(x) for x in f[2:10]), float(f[10]), f[11]))
    return words
