#!/usr/bin/env bash
# Install the system packages the web benchmark's pygeoapi reference needs, from Debian, only when missing:
# Debian's Python 3.11 with venv (pygeoapi 0.21 gets its own venv, see benchmarks/bench_web.py) and SpatiaLite
# for pygeoapi's SQLiteGPKG provider (it loads mod_spatialite into Python's sqlite3).
set -euo pipefail

missing=()
if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
if ! ls /usr/lib/*/mod_spatialite.so* >/dev/null 2>&1; then
  missing+=(libsqlite3-mod-spatialite)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing from Debian: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
