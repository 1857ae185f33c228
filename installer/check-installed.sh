#!/usr/bin/env bash
# Uses the installed sparsescope package as a user would and fails on the first thing that does not
# work: --version; a headless run of an installed example; the man page; the .desktop entry; the icons;
# the MIME type of installed projects and its default application; the GUI under Xvfb, opened on a
# project the way a double-click does (gio open), with its window title and icon checked.
# Run by test-install.sh on this machine or inside a fresh Debian chroot, after the package is in.
# Needs xvfb, xauth, x11-utils, libglib2.0-bin, desktop-file-utils, xdg-utils and man-db.
set -euo pipefail
step() { printf '\n== %s\n' "$*"; }
fail() {
  echo "check-installed: FAILED: $*" >&2
  exit 1
}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

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
MANWIDTH=100 man sparsescope >"$scratch/man.txt" 2>&1 || fail "man sparsescope exited with $?"
grep -q '^COMMANDS' "$scratch/man.txt" || fail "man sparsescope shows no COMMANDS section"

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
# Runs inside xvfb-run: opens the project through its MIME type's default application, waits for the
# window with the project in its title and for its icon, checks the program still runs 3 s later and
# ends it.
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
for _ in $(seq 20); do
  kill -0 "$pid" 2>/dev/null || exit 0
  sleep 0.5
done
echo "sparsescope did not end within 10 s of SIGTERM"
exit 1
EOF
chmod +x "$scratch/gui-check.sh"
xvfb-run -a -s "-screen 0 1280x800x24" "$scratch/gui-check.sh" "$project" 2>&1 | tee "$scratch/gui.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "GUI check"
! grep -iE 'could not|cannot|error|segmentation' "$scratch/gui.log" || fail "the GUI reported problems"
