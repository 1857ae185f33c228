#!/usr/bin/env bash
# Installs every build, test and run dependency of SparseScope from Debian 12 packages.
# Idempotent: packages already present are left alone. Runs as root or through sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libeigen3-dev libomp-dev libsqlite3-dev sqlite3 zlib1g-dev nlohmann-json3-dev
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqcustomplot-dev libqcustomplot2.1-qt6 libgl-dev
  xvfb xauth
  clang libclang-rt-14-dev llvm  # sanitizer and fuzz builds (tests/sanitizer_tree.sh); llvm: symbolized reports
  munge slurmctld slurmd slurm-client  # installer/slurm-local.sh, for Slurm sweeps and their test
  dataset-fashion-mnist
  debootstrap desktop-file-utils xdg-utils libglib2.0-bin x11-utils man-db  # installer/test-install.sh
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "setup-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
