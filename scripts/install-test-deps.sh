#!/usr/bin/env bash
# Installs the Debian packages the tests drive, when they are missing: real SIP clients and servers.
# Runs as root on the project's machines (CI included); does nothing when everything is there.
set -euo pipefail

# prometheus: for its promtool, which checks the /metrics page (the package's daemon is not wanted, and in a
# container policy-rc.d keeps it from starting; elsewhere: systemctl disable --now prometheus).
# chromium, chromium-driver: the dashboard's browser test (Selenium, headless).
# radicale: a CalDAV server the calendar tests start themselves (its own daemon is not wanted either).
packages=(sipsak libnet-sip-perl baresip sip-tester linphone-cli postgresql kamailio kamailio-presence-modules prometheus chromium chromium-driver radicale)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${missing[*]}. Run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing test dependencies: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
