""".doc and .wps → Document: LibreOffice (headless) converts to DOCX, then the DOCX parser.

Each conversion gets its own LibreOffice profile directory, so parallel conversions cannot
collide, and runs under a time limit with its whole process group killed on timeout.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from parsers.model import Document, ParseError
from parsers.runner.commands import run_command

TIMEOUT_S = 120
SOFFICE = "soffice"


def parse_office(data: bytes, fmt: str = "doc") -> Document:
    """Parse a Word 97–2003 (.doc) or Kingsoft WPS (.wps) file."""
    from parsers.formats.docx import parse_docx
    from parsers.runner.limits import check_ole

    check_ole(data)
    docx = convert(data, fmt, "docx")
    doc = parse_docx(docx)
    doc.format = fmt
    doc.notes.append(f"converted from {fmt} to docx by LibreOffice")
    return doc


def convert(
    data: bytes, src_ext: str, target: str = "docx", *, timeout_s: float = TIMEOUT_S
) -> bytes:
    """Convert bytes with LibreOffice; returns the converted file's bytes."""
    with tempfile.TemporaryDirectory(prefix="ogi-lo-") as tmp:
        tmp = Path(tmp)
        src = tmp / f"input.{src_ext}"
        src.write_bytes(data)
        out = tmp / "out"
        args = [
            shutil.which(SOFFICE) or SOFFICE,
            f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(src),
        ]
        res = run_command(args, timeout_s=timeout_s, env={"HOME": str(tmp)}, what="LibreOffice")
        result = out / f"input.{target}"
        if not result.is_file() or result.stat().st_size == 0:
            err = (res.stderr or res.stdout).decode("utf-8", "replace").strip().splitlines()
            raise ParseError(
                "LibreOffice could not convert the file" + (f": {err[-1]}" if err else "")
            )
        return result.read_bytes()
