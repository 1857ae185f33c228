#!/usr/bin/env bash
# Builds the Debian package the way a release is built (Release, no -march=native), installs it with
# apt on this machine, uses it as a user would and purges it again:
#   --version; a headless run of an installed example; the man page; the .desktop entry; the MIME type
#   of installed projects and its default application; the GUI under Xvfb, opened on a project the
#   way a double-click does (gio open), with its window title and icon checked.
# Leaves the machine as it found it: the package and every package apt pulled in for it are purged,
# also when a check fails. Runs as root or through sudo; serialised by a lock so two runs on one
# machine cannot remove each other's package.
# usage: test-install.sh SOURCE_DIR PACKAGE_BUILD_DIR
set -euo pipefail
source_dir=$(realpath "$1")
build_dir=$(realpath -m "$2")

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
  sudo -n true 2>/dev/null || {
    echo "test-install: skipped: installing a package needs root or passwordless sudo"
    exit 77
  }
fi
apt_get() {
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 "$@"
}
step() { printf '\n== %s\n' "$*"; }
fail() {
  echo "test-install: FAILED: $*" >&2
  exit 1
}

exec 9>"${TMPDIR:-/tmp}/sparsescope-install-test.lock"
flock -w 3600 9 || fail "another install test held the lock for an hour"

if dpkg-query -W -f='${db:Status-Abbrev}' sparsescope 2>/dev/null | grep -q .; then
  fail "a sparsescope package is already on this machine (dpkg -l sparsescope); the test would remove" \
    "it, so it stops instead. 'apt-get purge sparsescope' and run it again."
fi

scratch=$(mktemp -d)
# What apt installs for the package besides it, as its simulation listed them just before; only
# these are purged again (not whatever else someone installs on this machine meanwhile).
pulled_in=()
cleanup() {
  status=$?
  if dpkg-query -W -f='${db:Status-Abbrev}' sparsescope 2>/dev/null | grep -q .; then
    step "purge sparsescope${pulled_in:+ and ${pulled_in[*]}}"
    apt_get purge sparsescope "${pulled_in[@]}" >/dev/null || status=1
  fi
  rm -rf "$scratch"
  [ "$status" -eq 0 ] && echo "test-install: passed" || echo "test-install: failed" >&2
  exit "$status"
}
trap cleanup EXIT

step "build the package in $build_dir"
cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSPARSESCOPE_NATIVE=OFF \
  -DSPARSESCOPE_BUILD_TESTS=OFF >/dev/null
nice cmake --build "$build_dir" -j2 | grep -Ev '^\[ *[0-9]+%\] ' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "package build"
rm -f "$build_dir"/sparsescope_*.deb
(cd "$build_dir" && cpack >/dev/null) || fail "cpack"
deb=$(ls "$build_dir"/sparsescope_*.deb)
dpkg-deb --info "$deb" | sed -n 's/^ \(Package\|Version\|Architecture\|Depends\|Recommends\):/&/p'

step "portable code: no AVX (ymm) or AVX-512 (zmm) instruction in the packaged binary"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/sparsescope >"$scratch/sparsescope"
wide=$(objdump -d --no-show-raw-insn "$scratch/sparsescope" | grep -cE '%[yz]mm[0-9]' || true)
[ "$wide" -eq 0 ] || fail "$wide instructions use ymm/zmm registers: built for this CPU, not any x86-64"

step "install with apt (dependencies resolved as for a user)"
mapfile -t pulled_in < <(apt-get -s install "$deb" 2>/dev/null | awk '/^Inst / && $2 != "sparsescope" { print $2 }')
apt_get install "$deb" >"$scratch/apt.log" || {
  cat "$scratch/apt.log"
  fail "apt-get install $deb"
}
grep -E '^(Setting up|Processing triggers)' "$scratch/apt.log" || true

step "sparsescope --version"
[ "$(command -v sparsescope)" = /usr/bin/sparsescope ] || fail "sparsescope is not /usr/bin/sparsescope"
version=$(sparsescope --version)
echo "$version"
[[ $version == "sparsescope "[0-9]* ]] || fail "--version printed '$version'"

projects=/usr/share/sparsescope/projects
project=$projects/spirals-mlp-dense.json
step "headless run of the installed $(basename "$project"), 2 epochs, 1 thread"
start=$(date +%s%N)
sparsescope run "$project" --db "$scratch/runs.db" --epochs 2 --threads 1 --json >"$scratch/epochs.jsonl" ||
  fail "sparsescope run exited with $?"
echo "took $((($(date +%s%N) - start) / 1000000)) ms"
[ "$(wc -l <"$scratch/epochs.jsonl")" -eq 2 ] || fail "expected 2 epoch lines, got: $(cat "$scratch/epochs.jsonl")"
tail -1 "$scratch/epochs.jsonl"
sparsescope runs --db "$scratch/runs.db" | tee "$scratch/runs.txt"
grep -q finished "$scratch/runs.txt" || fail "the run is not listed as finished"

step "man page"
man_file=$(man -w sparsescope) || fail "man -w sparsescope finds no page"
echo "$man_file"
MANWIDTH=100 man sparsescope 2>&1 | grep -q '^COMMANDS' || fail "man sparsescope shows no COMMANDS section"

step "desktop entry, icons, MIME type"
desktop-file-validate /usr/share/applications/sparsescope.desktop || fail "desktop-file-validate"
for icon in scalable/apps/sparsescope.svg 48x48/apps/sparsescope.png 256x256/apps/sparsescope.png; do
  [ -f "/usr/share/icons/hicolor/$icon" ] || fail "icon $icon not installed"
done
# A fresh user: no personal MIME or default-application settings in the way.
export HOME=$scratch/home XDG_RUNTIME_DIR=$scratch/runtime XDG_CURRENT_DESKTOP=GNOME
unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_DATA_DIRS XDG_CONFIG_DIRS
mkdir -p "$HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"
echo '{"format": 1, "items": [1, 2]}' >"$scratch/other.json"
for file in "$project" "$projects/fashion-convnet-mest-em-s-90.json" "$scratch/other.json"; do
  printf '%s: %s\n' "$file" "$(xdg-mime query filetype "$file")"
done
[ "$(xdg-mime query filetype "$project")" = application/x-sparsescope-project ] || fail "project's MIME type"
[ "$(xdg-mime query filetype "$scratch/other.json")" = application/json ] || fail "other JSON's MIME type"
default_app=$(xdg-mime query default application/x-sparsescope-project)
echo "default application: $default_app"
[ "$default_app" = sparsescope.desktop ] || fail "project files do not open with sparsescope.desktop"

step "GUI under Xvfb, opened on $(basename "$project") as a double-click does"
cat >"$scratch/gui-check.sh" <<'EOF'
#!/usr/bin/env bash
# Runs inside xvfb-run: opens the project through its MIME type's default application and waits for
# the window, then leaves the process id for the caller to end.
set -euo pipefail
unset QT_QPA_PLATFORM
gio open "$1" 2>&1
for _ in $(seq 60); do
  window=$(xwininfo -root -tree | awk '/"spirals-mlp-dense - SparseScope"/ { print $1; exit }')
  [ -n "$window" ] && break
  sleep 0.5
done
[ -n "$window" ] || { echo "no SparseScope window after 30 s"; xwininfo -root -tree; exit 1; }
echo "window $window: $(xwininfo -id "$window" | grep -E 'Width|Height' | tr -s ' ' | tr '\n' ' ')"
for _ in $(seq 20); do
  icon=$(xprop -id "$window" _NET_WM_ICON | grep -o 'Icon ([0-9]* x [0-9]*)' | head -1 || true)
  [ -n "$icon" ] && break
  sleep 0.5
done
[ -n "$icon" ] || { echo "the window has no icon after 10 s"; exit 1; }
echo "the window has the SparseScope icon: $icon"
pid=$(xprop -id "$window" _NET_WM_PID | awk '{print $3}')
sleep 3
kill -0 "$pid" || { echo "sparsescope ended within 3 s of opening its window"; exit 1; }
kill "$pid"
EOF
chmod +x "$scratch/gui-check.sh"
xvfb-run -a -s "-screen 0 1280x800x24" "$scratch/gui-check.sh" "$project" 2>&1 | tee "$scratch/gui.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "GUI check"
! grep -iE 'could not|cannot|error|segmentation' "$scratch/gui.log" || fail "the GUI reported problems"
