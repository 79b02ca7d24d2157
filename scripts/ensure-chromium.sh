#!/usr/bin/env bash
# Browser tests drive Debian's chromium (never a downloaded browser build).
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
    >/tmp/cqdlab-chromium-install.log 2>&1 || echo "chromium install failed: see /tmp/cqdlab-chromium-install.log"
else
  echo "chromium not found: browser tests will be skipped (apt-get install chromium)"
fi
exit 0
