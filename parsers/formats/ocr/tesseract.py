"""Calling tesseract on a Pillow image: the words of its TSV output with their boxes and
confidences.

Where tesserocr (Python's binding of libtesseract) is built against the same libtesseract as
the `tesseract` command (scripts/setup.sh builds it from source: its PyPI wheel bundles another
tesseract version, whose readings differ), each thread keeps one loaded engine per language,
page segmentation mode and setting, and images are read in-process: the same words, boxes and
confidences for about two thirds of the CPU (no process start, no model load, no PNG file a
run; docs/architecture.md, section 3). Such a run has no time limit of its own: the guarded
child that parses the file has (parsers.runner). Otherwise each run is a helper process under
a time limit (parsers.runner.commands).
"""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
import threading
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
    """The words of each image: read in-process where the binding matches the command
    (`in_process`), else all by one tesseract run (a list file of images: the model loads
    once, where starting tesseract costs about 0.1 s a run)."""
    if not imgs:
        return []
    if in_process() and not _forked_after_load.is_set():
        return [_read_in_process(img, psm, lang, config) for img in imgs]
    return _command_each(imgs, psm, lang, config)


@functools.cache
def in_process() -> bool:
    """Whether tesserocr is importable and linked to the libtesseract the `tesseract`
    command runs (the same version line): then its readings are the command's."""
    # one core a page, as the command gets (libgomp reads it when libtesseract loads)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        import tesserocr
    except ImportError:
        return False
    try:
        out = subprocess.run(
            ["tesseract", "--version"], capture_output=True, timeout=30, check=False
        ).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired):
        return False
    first = out.strip().splitlines()[:1]
    return bool(first) and tesserocr.tesseract_version().strip().splitlines()[:1] == first


# Engines not in use, by language (~45 MB each for chi_sim): a call borrows one, sets the
# page segmentation mode and the settings it reads with, and gives it back, so the page
# threads of the next document find them loaded (a thread of its own would die with the
# document's pool, and its engines with it).
_idle: dict[str, list] = {}
_lock = threading.Lock()


_loaded = False  # whether this process has loaded an engine
_inherited: list = []  # a forked child's copies of its parent's engines: kept, never used


def _unlocked() -> None:
    """In a forked child: a lock no thread holds (one of the parent's threads may have held
    it at the fork). A child of a process that has loaded libtesseract's engines reads by the
    command: such a child hung reading a picture of a table in-process, until the build's
    time limit (tests/test_tesseract.py; the cause inside libtesseract was not found). The
    parent's engines are kept, not freed: freeing them would run libtesseract's teardown."""
    global _lock
    _lock = threading.Lock()
    if _loaded:
        _inherited.extend(_idle.values())
        _idle.clear()
        _forked_after_load.set()


_forked_after_load = threading.Event()  # set in a child forked after engines were loaded
os.register_at_fork(after_in_child=_unlocked)


def _read_in_process(img, psm: int, lang: str, config: tuple[str, ...]) -> list[Word]:
    import tesserocr

    with _lock:
        idle = _idle.setdefault(lang, [])
        engine = idle.pop() if idle else None
    if engine is None:
        global _loaded
        _loaded = True
        try:
            engine = (tesserocr.PyTessBaseAPI(lang=lang), {})
        except RuntimeError as e:  # a language not installed, say
            raise ParseError(f"tesseract failed: {e}") from None
    api, defaults = engine  # defaults: each setting's value before a call first changed it
    settings = dict(c.split("=", 1) for c in config)
    for name in settings.keys() - defaults.keys():
        defaults[name] = api.GetVariableAsString(name)
    try:
        api.SetPageSegMode(psm)
        for name, default in defaults.items():
            if default is not None:  # None: a setting this tesseract does not know
                api.SetVariable(name, settings.get(name, default))
        api.SetImage(img)
        api.SetSourceResolution(DPI)
        tsv = api.GetTSVText(0) or ""
        api.Clear()  # the image and its results let go; the model stays loaded
    except RuntimeError as e:
        raise ParseError(f"tesseract failed: {e}") from None
    with _lock:
        _idle[lang].append(engine)
    return _tsv_words(tsv, 1)[0]


def _command_each(imgs: list, psm: int, lang: str, config: tuple[str, ...]) -> list[list[Word]]:
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
    return _tsv_words(res.stdout.decode("utf-8", "replace"), len(imgs))


def _tsv_words(tsv: str, n: int) -> list[list[Word]]:
    """The words of tesseract's TSV output, by image (its page number)."""
    words: list[list[Word]] = [[] for _ in range(n)]
    for line in tsv.splitlines():
        f = line.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue  # the header (one per image), and rows that are not words
        words[int(f[1]) - 1].append(Word(*(int(x) for x in f[2:10]), float(f[10]), f[11]))
    return words
