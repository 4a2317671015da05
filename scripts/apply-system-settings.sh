#!/bin/sh
# Applies the network and time files the BTMS gateway wrote (bmgw-apply-system.path or system.applyCommand; docs/operations.md).
# Runs as root (bmgw-apply-system.service, started by its path unit); gets BMGW_SYSTEM_DIR, BMGW_CHANGED (network|time), BMGW_TIMEZONE,
# BMGW_NTP (on|off) and optionally BMGW_SET_TIME from the gateway. Prints one line per step.
set -eu
dir=${BMGW_SYSTEM_DIR:?BMGW_SYSTEM_DIR is not set}
case "${BMGW_CHANGED:-}" in
network)
    install -d -m 0755 /etc/systemd/network
    for f in "$dir"/network/10-bmgw-*.network; do
        [ -e "$f" ] || continue
        install -m 0644 "$f" /etc/systemd/network/
        echo "installed $(basename "$f")"
    done
    networkctl reload
    echo "systemd-networkd reloaded"
    ;;
time)
    install -d -m 0755 /etc/systemd/timesyncd.conf.d
    install -m 0644 "$dir/timesyncd.conf.d/10-bmgw.conf" /etc/systemd/timesyncd.conf.d/
    if [ -d /etc/chrony/sources.d ]; then
        install -m 0644 "$dir/chrony/sources.d/bmgw.sources" /etc/chrony/sources.d/
        chronyc reload sources >/dev/null && echo "chrony sources reloaded"
    fi
    timedatectl set-timezone "${BMGW_TIMEZONE:?}"
    echo "time zone ${BMGW_TIMEZONE}"
    if [ -n "${BMGW_SET_TIME:-}" ]; then
        timedatectl set-ntp false
        timedatectl set-time "$(date -d "$BMGW_SET_TIME" '+%Y-%m-%d %H:%M:%S')"
        echo "clock set to $BMGW_SET_TIME"
    fi
    if [ "${BMGW_NTP:-on}" = on ]; then
        timedatectl set-ntp true
        systemctl restart systemd-timesyncd 2>/dev/null && echo "systemd-timesyncd restarted" || true
    else
        timedatectl set-ntp false
        echo "NTP off"
    fi
    ;;
*)
    echo "BMGW_CHANGED must be network or time" >&2
    exit 2
    ;;
esac
