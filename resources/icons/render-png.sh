#!/usr/bin/env bash
# Renders the scalable icon into the PNG sizes desktops and Qt pick from (hicolor theme layout).
# The PNGs are committed so a build needs no SVG renderer; run this after editing the SVG.
set -euo pipefail
cd "$(dirname "$0")/hicolor"
for size in 16 22 24 32 48 64 128 256; do
  mkdir -p "${size}x${size}/apps"
  rsvg-convert -w "$size" -h "$size" scalable/apps/sparsescope.svg -o "${size}x${size}/apps/sparsescope.png"
done
