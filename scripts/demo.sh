#!/usr/bin/env bash
# Set up (scripts/setup.sh), then run the whole demo: demo portals → crawl → build → serve.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/ogi demo "$@"
