#!/usr/bin/env bash
# Builds the Debian package and checks it as Debian would (part of scripts/test.sh):
#   lintian with no error and no warning that is not overridden with a reason; the contents;
#   one version in the package and in `bmgw --version`; the units verified by systemd-analyze and
#   the gateway's exposure at most 3.0; the maintainer scripts parsed by sh -n, then run for real by
#   dpkg into a throw-away root (DPKG_ROOT, no chroot): install, upgrade with an edited conffile and
#   data, remove (data and configuration stay), purge (both go).
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "package test: $*" >&2; exit 1; }
start=$SECONDS

out=$(mktemp -d)
root=$(mktemp -d)
trap 'rm -rf "$out" "$root"' EXIT
deb=$(bash scripts/package.sh --out "$out")
echo "package: $deb ($(du -h "$deb" | cut -f1)), built in $((SECONDS - start)) s"

# Lintian: errors and warnings fail; informational tags are printed.
lintian --fail-on error,warning --display-info "$deb" || fail "lintian found problems"
echo "lintian: clean"

contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
for path in ./usr/bin/bmgw ./usr/sbin/bmgw-apply-system ./lib/systemd/system/bmgw.service ./lib/systemd/system/bmgw-apply-system.path \
            ./lib/systemd/system/bmgw-apply-system.service ./etc/bmgw/gateway.yaml ./etc/bmgw/registermaps/ ./usr/share/bmgw/mibs/BTMS-GATEWAY-MIB.txt \
            ./usr/share/bmgw/mibs/BATTERY-MIB.txt ./usr/share/bmgw/registermaps/bmc-v1.yaml ./usr/share/doc/bmgw/copyright \
            ./usr/share/doc/bmgw/changelog.gz ./usr/share/doc/bmgw/examples/demo.yaml ./usr/share/man/man1/bmgw.1.gz ./usr/share/man/man8/bmgw-apply-system.8.gz; do
    grep -qxF "$path" <<<"$contents" || fail "$path is not in the package"
done
[[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" == "/etc/bmgw/gateway.yaml" ]] || fail "conffiles is not /etc/bmgw/gateway.yaml"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libsqlite3-0 libmodbus5 libmosquitto1 libsnmp40 libcurl4; do
    grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
grep -q "libswift\|swiftlang" <<<"$depends" && fail "Depends names the Swift runtime: $depends"
echo "contents: every file in place; Depends: $depends"

# One version: the package's and the binary's (which the web footer and the MIB's software version show).
dpkg-deb -x "$deb" "$out/x"
version=$(dpkg-deb -f "$deb" Version)
[[ "$("$out/x/usr/bin/bmgw" --version)" == "$version" ]] || fail "bmgw --version is not the package's $version"
ldd "$out/x/usr/bin/bmgw" | grep -q "libswift" && fail "the packaged binary links the Swift runtime dynamically"
echo "version: $version in the package and in bmgw --version"

# Units: verify (in the unpacked package, with this system's own units and kill beside them, as on an
# installed system; manual pages are not looked up) and the exposure.
units=$out/x/lib/systemd/system
cp -rn /lib/systemd/system/. "$units/"
install -D -m 0755 /bin/kill "$out/x/bin/kill"
verify=$(systemd-analyze verify --man=no --root="$out/x" "$units/bmgw.service" "$units/bmgw-apply-system.service" "$units/bmgw-apply-system.path" 2>&1 || true)
[[ -z "$verify" ]] || fail "systemd-analyze verify: $verify"
exposure=$(systemd-analyze security --offline=true --root="$out/x" "$units/bmgw.service" 2>&1 | sed -n 's/.*Overall exposure level for bmgw.service: \([0-9.]*\).*/\1/p')
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 3.0) }' || fail "exposure of bmgw.service is ${exposure:-unknown}, above 3.0"
echo "units: verified; bmgw.service exposure $exposure"

# The packaged binary runs: its simulator polled, the web UI over TLS and the SNMP agent answer.
free() { python3 -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_$1); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
"$out/x/usr/bin/bmgw" check-config "$out/x/etc/bmgw/gateway.yaml" >/dev/null || fail "the shipped gateway.yaml does not pass check-config"
sim=$(free STREAM); web=$(free STREAM); snmp=$(free DGRAM)
cat > "$out/smoke.yaml" <<EOF
gateway: { id: pkg-gw, site: Package smoke test }
dataDirectory: $out/data
simulator: { listen: "127.0.0.1:$sim" }
ups: [{ id: u1, name: UPS 1 }]
strings:
  - { id: s1, ups: u1, cells: 12, modbus: { tcp: { host: 127.0.0.1, port: $sim, unit: 1 } } }
web: { listen: "127.0.0.1:$web", redirectFrom: "" }
snmp: { listen: "udp:127.0.0.1:$snmp", community: public }
EOF
"$out/x/usr/bin/bmgw" run -c "$out/smoke.yaml" >"$out/smoke.log" 2>&1 &
smoke=$!
for _ in $(seq 60); do "$out/x/usr/bin/bmgw" status -c "$out/smoke.yaml" 2>/dev/null | grep -q "1 answering" && break; sleep 0.5; done
status=$("$out/x/usr/bin/bmgw" status -c "$out/smoke.yaml" 2>&1 || true)
footer=$(curl -s --cacert "$out/data/web-cert.pem" "https://127.0.0.1:$web/login" | grep -o "bmgw $version" || true)
sysdescr=$(snmpget -v2c -c public -Oqv "127.0.0.1:$snmp" 1.3.6.1.2.1.1.1.0 2>&1 || true)
kill "$smoke"; wait "$smoke" || true
grep -q "1 answering" <<<"$status" || { cat "$out/smoke.log" >&2; fail "the packaged gateway did not poll its simulator: $status"; }
[[ -n "$footer" ]] || fail "the web UI's footer does not show bmgw $version"
grep -q "BTMS Gateway $version" <<<"$sysdescr" || fail "sysDescr is not the packaged version: $sysdescr"
echo "smoke run: the packaged binary polls its simulator, serves the web UI (footer: $footer) and SNMP ($sysdescr)"

for script in postinst prerm postrm; do sh -n "scripts/debian/$script" || fail "$script does not parse"; done

# A throw-away root with what the maintainer scripts read: dpkg's database, passwd/group with dialout.
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc" "$root/usr/sbin"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\ndialout:x:20:\n' > "$root/etc/group"
printf 'root:*:19000:0:99999:7:::\n' > "$root/etc/shadow"
printf 'root:*::\ndialout:*::\n' > "$root/etc/gshadow"
# Its Depends are not in the throw-away root (this system has them): dpkg's complaints go to a log.
dpkgr() {
    dpkg --root="$root" --force-script-chrootless --force-not-root --force-depends --force-confold --log=/dev/null "$@" \
        >"$out/dpkg.log" 2>&1 || { cat "$out/dpkg.log" >&2; fail "dpkg $*"; }
}

dpkgr -i "$deb"
grep -q '^bmgw:x:[0-9]*:[0-9]*:BTMS gateway:/var/lib/bmgw:/usr/sbin/nologin$' "$root/etc/passwd" || fail "postinst made no bmgw system user"
grep -q '^dialout:x:20:bmgw$' "$root/etc/group" || fail "bmgw is not in dialout"
uid=$(awk -F: '$1 == "bmgw" { print $3 }' "$root/etc/passwd")
[[ "$(stat -c '%u %a' "$root/var/lib/bmgw")" == "$uid 750" ]] || fail "/var/lib/bmgw is not the bmgw user's, 0750"
gid=$(awk -F: '$1 == "bmgw" { print $4 }' "$root/etc/passwd")
dpkg-statoverride --root="$root" --list /etc/bmgw/gateway.yaml | grep -q " 640 /etc/bmgw/gateway.yaml$" || fail "no 0640 override of gateway.yaml"
[[ "$(stat -c '%u %g %a' "$root/etc/bmgw/gateway.yaml")" == "0 $gid 640" ]] || fail "gateway.yaml is not root:bmgw 0640"
[[ -L "$root/etc/systemd/system/multi-user.target.wants/bmgw.service" ]] || fail "bmgw.service is not enabled"
echo "install: bmgw user (uid $uid, in dialout), /var/lib/bmgw 0750, gateway.yaml root:bmgw 0640, bmgw.service enabled"

# Upgrade: the edited configuration and the data stay.
echo "# edited by the site" >> "$root/etc/bmgw/gateway.yaml"
echo "history" > "$root/var/lib/bmgw/history.sqlite"
newer=$(bash scripts/package.sh --out "$out/newer" --version-suffix "+1")
dpkgr -i "$newer"
[[ "$(dpkg-query --root="$root" -W -f='${Version}' bmgw)" == "$version+1" ]] || fail "the upgrade did not install $version+1"
tail -1 "$root/etc/bmgw/gateway.yaml" | grep -q "edited by the site" || fail "the upgrade lost the edited gateway.yaml"
[[ -f "$root/var/lib/bmgw/history.sqlite" ]] || fail "the upgrade lost the data"
echo "upgrade: to $version+1, edited configuration and data kept"

dpkgr -r bmgw
[[ ! -e "$root/usr/bin/bmgw" && -f "$root/var/lib/bmgw/history.sqlite" && -f "$root/etc/bmgw/gateway.yaml" ]] \
    || fail "remove must delete the program and keep data and configuration"
echo "remove: program gone, data and configuration kept"

dpkgr -P bmgw
[[ ! -e "$root/var/lib/bmgw" && ! -e "$root/etc/bmgw" ]] || fail "purge must delete /var/lib/bmgw and /etc/bmgw"
[[ ! -e "$root/etc/systemd/system/multi-user.target.wants/bmgw.service" ]] || fail "purge left the unit enabled"
dpkg-statoverride --root="$root" --list /etc/bmgw/gateway.yaml >/dev/null && fail "purge left the statoverride"
echo "purge: data, configuration, override and unit links gone (the bmgw user stays, as Debian policy advises)"
echo "== package: $((SECONDS - start)) s"
