#!/usr/bin/env bash
# Saves screenshots of the main pages at desktop (1280 px) and phone (390 px)
# width to docs/screenshots/*.png, with docs/screenshots/README.md listing
# them. It builds fleetcharge, starts `fleetcharge serve --demo` on a free
# port over a temporary SQLite database, and drives headless Chromium
# (Debian's chromium package: apt-get install chromium).
#
#   scripts/screenshots.sh [-out DIR] [-chromium PATH] [-langs en,nl]
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./scripts/screenshots "$@"
