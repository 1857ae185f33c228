#!/usr/bin/env bash
# Checks that the man page describes exactly the commands the binary has, and in each command's
# section every flag its --help names; and that groff reads the page without a warning.
# usage: check-man-page.sh SPARSESCOPE_BINARY MAN_PAGE
set -euo pipefail
binary=$1
page=$2
failures=0
fail() {
  echo "man page: $*" >&2
  failures=$((failures + 1))
}

# The page's roff source as plain text: \- is a dash, font switches and \c joins go.
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\c//g' "$page"; }

# One command's section: from its .SS line to the next .SS or .SH.
section() { plain | awk -v name="$1" '/^\.S[SH]/ { inside = ($0 == ".SS " name) } inside'; }

commands=$("$binary" --help | awk '/^commands:/ { listing = 1; next } listing && /^  [a-z]/ { print $1 } /^$/ { listing = 0 }')
[ -n "$commands" ] || fail "no commands in '$binary --help'"

for command in $commands; do
  text=$(section "$command")
  if [ -z "$text" ]; then
    fail "command '$command' has no '.SS $command' section"
    continue
  fi
  for flag in $("$binary" "$command" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
    grep -qE -- "(^|[^a-z-])$flag([^a-z-]|\$)" <<<"$text" || fail "'$command' section does not describe $flag"
  done
done

# No section for a command the binary does not have (a removed or renamed one).
for documented in $(plain | awk '/^\.SH/ { inside = ($2 == "COMMANDS") } inside && /^\.SS / { print $2 }'); do
  grep -qx -- "$documented" <<<"$commands" || fail "section '$documented' is not a command of $binary"
done

warnings=$(groff -man -ww -z -Tutf8 "$page" 2>&1 || true)
[ -z "$warnings" ] || fail "groff warnings: $warnings"

if [ "$failures" -gt 0 ]; then
  echo "man page: $failures problem(s) in $page" >&2
  exit 1
fi
echo "man page: $(wc -w <<<"$commands") commands and their flags described"
