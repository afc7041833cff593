#!/usr/bin/env bash
# Install the system packages the test suite needs, from Debian, only when they are missing:
# PostgreSQL server + PostGIS (the suite starts its own throw-away cluster) and Chromium (browser tests drive
# Debian's Chromium through Playwright; never 'playwright install'), a Java runtime (ODK Validate) and
# Debian's QGIS (python3-qgis).
set -euo pipefail

missing=()
initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$initdb" ]; then
  missing+=(postgresql)
  pgver=$(apt-cache policy postgresql 2>/dev/null | awk '/Candidate/ {print $2}' | sed -E 's/^([0-9]+).*/\1/')
else
  pgver=$(basename "$(dirname "$(dirname "$initdb")")")
fi
if ! ls /usr/share/postgresql/"${pgver:-15}"/extension/postgis.control >/dev/null 2>&1; then
  missing+=("postgresql-${pgver:-15}-postgis-3")
fi

if [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi

# ODK Validate (shipped inside pyxform) is a Java program: the form tests run it.
if ! command -v java >/dev/null 2>&1; then
  missing+=(default-jre-headless)
fi

# Debian's QGIS (3.22 on Debian 12) for tests/server/test_qgis.py: it installs into the system Python
# (/usr/bin/python3), which the test runs headless (QT_QPA_PLATFORM=offscreen); qgis-providers holds OAPIF.
if ! /usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1 || [ ! -e /usr/lib/qgis/plugins/libprovider_wfs.so ]; then
  missing+=(python3-qgis qgis-providers)
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
# The Debian package starts a cluster of its own; the tests use a throw-away one instead.
$SUDO pg_ctlcluster --help >/dev/null 2>&1 && for c in $(pg_lsclusters -h 2>/dev/null | awk '{print $1"/"$2}'); do
  $SUDO pg_ctlcluster ${c%/*} ${c#*/} stop || true
done
exit 0
