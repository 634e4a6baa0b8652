#!/usr/bin/env bash
# `npm run test:setup`: the system programs the project's own tests use, installed when missing.
#   redis-server   the local stack's private Redis (test/e2e/local-stack, stack-up)
#   chromium       the HTML report's browser test (test/report/browser.test.ts; SHAKEDOWN_CHROMIUM overrides)
#   xmllint        JUnit XML validated against its XSD (test/e2e/run-dir.e2e.test.ts)
#   curl           the curl repro lines printed by failed checks
# On Debian/Ubuntu as root (or with passwordless sudo) it installs them with apt-get; elsewhere it prints
# what to install and exits 0: the tests that need a missing program then say loudly what they skipped.
# Idempotent: nothing is installed when everything is there. Shakedown itself needs none of them.
set -euo pipefail

declare -A package_of=([redis-server]=redis-server [xmllint]=libxml2-utils [curl]=curl)

has_chromium() {
  [ -n "${SHAKEDOWN_CHROMIUM:-}" ] && [ -x "${SHAKEDOWN_CHROMIUM}" ] && return 0
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$name" >/dev/null 2>&1 && return 0
  done
  return 1
}

missing=()
for program in redis-server xmllint curl; do
  command -v "$program" >/dev/null 2>&1 || missing+=("${package_of[$program]}")
done
has_chromium || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "test setup: redis-server, chromium, xmllint and curl are installed."
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo); fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ ${#sudo[@]} -gt 0 ]; }; then
  echo "test setup: installing ${missing[*]} (apt-get)"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  exit 0
fi

cat <<MSG
test setup: not installed: ${missing[*]} (Debian package names).
  Install them with your system's package manager (Debian/Ubuntu: apt-get install ${missing[*]};
  macOS: brew install redis libxml2 curl, and Chrome or Chromium), or point SHAKEDOWN_CHROMIUM at a
  Chromium/Chrome binary. Until then the tests that need them are skipped, each saying so.
MSG
