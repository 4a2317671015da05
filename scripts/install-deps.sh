#!/usr/bin/env bash
# Installs the Debian packages the gateway needs (and, with --test, what the
# tests need). Idempotent and quiet when everything is already there.
set -euo pipefail

packages=(pkg-config libmodbus-dev libsqlite3-dev)
if [[ "${1:-}" == "--test" ]]; then
    # mbpoll: an independent Modbus client the tests use against the simulator.
    # sqlite3: the CLI, to inspect databases in tests.
    packages+=(mbpoll sqlite3)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "Installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
