#!/usr/bin/env bash
# Builds the Debian package the way a release is built (Release, no -march=native), installs it with
# apt into a fresh Debian 12 chroot (debootstrap) and runs installer/check-installed.sh there: a
# machine that has nothing but the package and what its Depends and Recommends bring, so a missing
# dependency shows. With --host it installs on this machine instead and purges the package and what
# apt pulled in for it afterwards.
# Either way the machine is left as found, also when a check fails. The chroot's base system and the
# downloaded packages are cached in the build folder, so only the first run downloads (about 180 MB).
# Runs as root or through sudo; serialised by a lock, so two runs on one machine cannot disturb each
# other.
# With --prebuilt, PACKAGE_BUILD_DIR is an existing portable build (the test suite's own, configured with
# -DSPARSESCOPE_NATIVE=OFF): it is packaged as it is instead of compiled a second time.
# usage: test-install.sh [--host] [--prebuilt] SOURCE_DIR PACKAGE_BUILD_DIR
set -euo pipefail
mode=chroot
prebuilt=no
while [ "${1:-}" = --host ] || [ "${1:-}" = --prebuilt ]; do
  [ "$1" = --host ] && mode=host
  [ "$1" = --prebuilt ] && prebuilt=yes
  shift
done
source_dir=$(realpath "$1")
build_dir=$(realpath -m "$2")
checks=$source_dir/installer/check-installed.sh
# The tools check-installed.sh uses, beside the package.
check_tools=(xvfb xauth x11-utils libglib2.0-bin desktop-file-utils xdg-utils man-db)

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
  sudo -n true 2>/dev/null || {
    echo "test-install: skipped: installing a package needs root or passwordless sudo"
    exit 77
  }
fi
step() { printf '\n== %s\n' "$*"; }
fail() {
  echo "test-install: FAILED: $*" >&2
  exit 1
}
in_root() { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
# Inside the chroot, with the environment of a fresh login rather than this build's.
in_chroot() {
  "${as_root[@]}" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    chroot "$root" "$@"
}
apt_get() { in_root apt-get -y -q -o DPkg::Lock::Timeout=600 "$@"; }

exec 9>"${TMPDIR:-/tmp}/sparsescope-install-test.lock"
flock -w 3600 9 || fail "another install test held the lock for an hour"

scratch=$(mktemp -d)
root=$build_dir/chroot
pulled_in=()
cleanup() {
  status=$?
  if [ "$mode" = host ] && dpkg-query -W -f='${db:Status-Abbrev}' sparsescope 2>/dev/null | grep -q .; then
    step "purge sparsescope${pulled_in:+ and ${pulled_in[*]}}"
    apt_get purge sparsescope "${pulled_in[@]}" >/dev/null || status=1
  fi
  if [ "$mode" = chroot ] && [ -d "$root" ]; then
    step "remove the chroot"
    # Unmount first, deepest first; never delete while anything is still mounted inside (that would
    # delete the host's /dev or the package cache).
    findmnt -rn -o TARGET | grep -F "$root/" | sort -r | while read -r target; do
      # Processes of the checks (Xvfb, the GUI) may take a moment to end after being told to.
      for _ in $(seq 10); do
        "${as_root[@]}" umount "$target" 2>/dev/null && break
        sleep 1
      done
      ! findmnt -rn -o TARGET | grep -qxF "$target" || "${as_root[@]}" umount -l "$target"
    done
    if findmnt -rn -o TARGET | grep -qF "$root/"; then
      echo "test-install: $root still has mounts; left in place" >&2
      status=1
    else
      "${as_root[@]}" rm -rf "$root"
    fi
  fi
  rm -rf "$scratch"
  [ "$status" -eq 0 ] && echo "test-install: passed ($mode)" || echo "test-install: failed ($mode)" >&2
  exit "$status"
}
trap cleanup EXIT

if [ "$prebuilt" = no ]; then
  step "build the package in $build_dir"
  cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSPARSESCOPE_NATIVE=OFF \
    -DSPARSESCOPE_BUILD_TESTS=OFF >/dev/null
  nice cmake --build "$build_dir" -j2 | grep -Ev '^\[ *[0-9]+%\] ' || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail "package build"
else
  step "package the portable build in $build_dir"
fi
rm -f "$build_dir"/sparsescope_*.deb
(cd "$build_dir" && cpack >/dev/null) || fail "cpack"
deb=$(ls "$build_dir"/sparsescope_*.deb)
dpkg-deb --info "$deb" | sed -n 's/^ \(Package\|Version\|Architecture\|Depends\|Recommends\):/&/p'

step "portable code: no AVX (ymm) or AVX-512 (zmm) instruction in the packaged binary"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/sparsescope >"$scratch/sparsescope"
wide=$(objdump -d --no-show-raw-insn "$scratch/sparsescope" | grep -cE '%[yz]mm[0-9]' || true)
[ "$wide" -eq 0 ] || fail "$wide instructions use ymm/zmm registers: built for this CPU, not any x86-64"

if [ "$mode" = host ]; then
  if dpkg-query -W -f='${db:Status-Abbrev}' sparsescope 2>/dev/null | grep -q .; then
    mode=none # not ours to purge
    fail "a sparsescope package is already on this machine (dpkg -l sparsescope); the test would" \
      "remove it, so it stops instead. 'apt-get purge sparsescope' and run it again."
  fi
  step "install on this machine with apt (dependencies resolved as for a user)"
  # Only what apt's simulation lists is purged again, not what someone else installs meanwhile.
  mapfile -t pulled_in < <(apt-get -s install "$deb" 2>/dev/null | awk '/^Inst / && $2 != "sparsescope" { print $2 }')
  apt_get install "$deb" >"$scratch/apt.log" || {
    cat "$scratch/apt.log"
    fail "apt-get install $deb"
  }
  grep -E '^(Setting up sparsescope|Processing triggers)' "$scratch/apt.log" || true
  "${as_root[@]}" "$checks"
  exit 0
fi

base=$build_dir/debootstrap-bookworm-with-check-tools.tar
archives=$build_dir/apt-archives
if [ ! -f "$base" ]; then
  step "debootstrap a minimal Debian 12 with the checks' tools once, cached as $base"
  command -v debootstrap >/dev/null || fail "debootstrap is not installed (installer/setup-deps.sh)"
  rm -rf "$scratch/base"
  start=$SECONDS
  in_root nice debootstrap --variant=minbase bookworm "$scratch/base" http://deb.debian.org/debian \
    >"$scratch/debootstrap.log" || {
    tail -20 "$scratch/debootstrap.log"
    fail debootstrap
  }
  # The checks' own tools go into the cached base too: they are not under test, and installing them on
  # every run would double its time. The package's dependencies are installed fresh each run.
  in_root chroot "$scratch/base" apt-get -y -q install "${check_tools[@]}" >>"$scratch/debootstrap.log" || {
    tail -20 "$scratch/debootstrap.log"
    fail "installing ${check_tools[*]} in the base system"
  }
  in_root chroot "$scratch/base" apt-get clean
  in_root tar -C "$scratch/base" -cf "$base.part" . && mv "$base.part" "$base"
  "${as_root[@]}" rm -rf "$scratch/base"
  echo "took $((SECONDS - start)) s"
fi

step "fresh chroot in $root"
[ ! -e "$root" ] || fail "$root is left from an earlier run; unmount what is mounted in it and delete it"
mkdir -p "$root" "$archives/partial"
in_root tar -C "$root" -xf "$base"
"${as_root[@]}" mount -t proc proc "$root/proc"
"${as_root[@]}" mount --bind /dev "$root/dev"
"${as_root[@]}" mount --bind "$archives" "$root/var/cache/apt/archives"
cp "$deb" "$checks" "$root/tmp/"

step "install the package with apt in the chroot, with its Depends and Recommends"
start=$SECONDS
in_chroot apt-get -y -q update >"$scratch/apt.log" 2>&1 || {
  cat "$scratch/apt.log"
  fail "apt-get update in the chroot"
}
in_chroot apt-get -y -q install "/tmp/$(basename "$deb")" >"$scratch/apt.log" 2>&1 || {
  cat "$scratch/apt.log"
  fail "apt-get install in the chroot"
}
grep -E '^(Setting up sparsescope|Processing triggers for (shared-mime|desktop-file|hicolor))|newly installed' \
  "$scratch/apt.log" || true
echo "took $((SECONDS - start)) s"

in_chroot "/tmp/$(basename "$checks")"
