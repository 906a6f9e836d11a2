#!/usr/bin/env bash
# What the benchmarks need beyond the build and the tests (benchmarks/compare.sh): Kamailio 5.6 with its presence
# and PostgreSQL modules, Debian's PostgreSQL, gnuplot without X for the plots, jq for LoadGen's JSON.
# Debian 12 (bookworm) packages; run as root. Not part of the test dependencies.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then echo "Run as root (apt-get)." >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  kamailio kamailio-presence-modules kamailio-postgres-modules \
  postgresql gnuplot-nox jq >/dev/null
kamailio -v | head -1
