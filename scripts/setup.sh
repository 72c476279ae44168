#!/usr/bin/env bash
# Set up a fresh machine: the system packages the project uses, then .venv with the project.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  fonts-wqy-zenhei            # CJK TrueType font embedded in generated PDFs
  fonts-noto-cjk              # CJK glyphs for LibreOffice conversions and browser screenshots
  libreoffice-writer-nogui    # .doc / .wps → .docx
  libreoffice-calc-nogui      # spreadsheets LibreOffice opens
  tesseract-ocr               # OCR of scanned reports
  tesseract-ocr-chi-sim
  libtesseract-dev            # tesserocr built against the command's own libtesseract (below)
  g++                         #   and what building it takes
  pkg-config
  python3-dev
  unar                        # RAR attachments (rarfile lists them, unar extracts)
  chromium                    # headless browser tests of the datasette instance
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing system packages: ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "please install these Debian packages (as root): ${missing[*]}" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[synthetic,test]'  # the generator serves the demo and the tests
# tesseract in-process (parsers/formats/ocr/tesseract.py): tesserocr built from source against
# Debian's libtesseract, so it reads as the `tesseract` command does; its PyPI wheel bundles
# another tesseract version (then the command is used, as without tesserocr)
.venv/bin/python -m pip install -q --no-binary tesserocr 'tesserocr==2.13.0'
.venv/bin/ogi --help >/dev/null
