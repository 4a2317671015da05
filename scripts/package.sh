#!/usr/bin/env bash
# Builds the Debian package bmgw_<version>_<arch>.deb with dpkg-deb from a release build linked
# with the Swift runtime statically (the toolchain is not a Debian package), so that its Depends
# are Debian's libraries only, derived by dpkg-shlibdeps. Prints the package's path.
#   scripts/package.sh [--out DIR] [--version-suffix S]
# --version-suffix: appended to the version (the package test builds a second, newer package to
# check an upgrade). Needs: scripts/install-deps.sh --package. Layout: docs/operations.md › Install.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-deb
suffix=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --version-suffix) suffix=$2; shift 2 ;;
        *) echo "usage: scripts/package.sh [--out DIR] [--version-suffix S]" >&2; exit 2 ;;
    esac
done

# Its own build folder: the static runtime is a different link than the tests' and benchmarks' builds.
swift build -c release --static-swift-stdlib --product bmgw --scratch-path .build-deb >&2
bin=.build-deb/release/bmgw
# One version: the package's, `bmgw --version`, the web footer and the MIB's software version.
version="$("$bin" --version)$suffix"
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
doc=$root/usr/share/doc/bmgw

install -d "$root/DEBIAN" "$doc/examples" "$root/etc/bmgw/registermaps"
objcopy --strip-unneeded "$bin" "$stage/bmgw"
install -D -m 0755 "$stage/bmgw" "$root/usr/bin/bmgw"
install -D -m 0755 scripts/apply-system-settings.sh "$root/usr/sbin/bmgw-apply-system"
install -D -m 0644 -t "$root/lib/systemd/system" config/bmgw.service config/bmgw-apply-system.path config/bmgw-apply-system.service
install -D -m 0644 config/gateway.yaml "$root/etc/bmgw/gateway.yaml"
install -D -m 0644 -t "$root/usr/share/bmgw/registermaps" config/registermaps/*.yaml
install -D -m 0644 -t "$root/usr/share/bmgw/mibs" mibs/*.txt
install -m 0644 config/demo.yaml "$doc/examples/demo.yaml"
install -m 0644 README.md "$doc/README.md"
install -d "$doc/docs" && install -m 0644 docs/*.md docs/openapi.yaml "$doc/docs/"
gzip -9n "$doc"/docs/*.md "$doc/README.md"

# changelog (a native package: no Debian revision): one entry per build, dated by the last commit (reproducible).
stamp=$(git log -1 --format=%cD 2>/dev/null || date -R)
printf 'bmgw (%s) unstable; urgency=medium\n\n  * Release build of the BTMS gateway %s.\n\n -- BTMS Gateway developers <bmgw@btms-gateway.invalid>  %s\n' \
    "$version" "$version" "$stamp" | gzip -9n > "$doc/changelog.gz"
bash scripts/debian/copyright.sh .build-deb/checkouts > "$doc/copyright"

# The manual page: `bmgw --help` and each command's, as roff.
install -d "$root/usr/share/man/man1"
bash scripts/debian/manpage.sh "$bin" "$version" | gzip -9n > "$root/usr/share/man/man1/bmgw.1.gz"
install -d "$root/usr/share/man/man8"
sed "s/@VERSION@/$version/" scripts/debian/bmgw-apply-system.8 | gzip -9n > "$root/usr/share/man/man8/bmgw-apply-system.8.gz"

install -m 0755 scripts/debian/postinst scripts/debian/prerm scripts/debian/postrm "$root/DEBIAN/"
install -D -m 0644 scripts/debian/lintian-overrides "$root/usr/share/lintian/overrides/bmgw"
printf '/etc/bmgw/gateway.yaml\n' > "$root/DEBIAN/conffiles"

# Depends: what the binary links, as Debian packages (dpkg-shlibdeps reads debian/control).
mkdir -p "$stage/src/debian"
printf 'Source: bmgw\n\nPackage: bmgw\nArchitecture: any\n' > "$stage/src/debian/control"
shlibs=$(cd "$stage/src" && dpkg-shlibdeps -O "$root/usr/bin/bmgw" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[[ -n "$shlibs" ]] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<EOF
Package: bmgw
Version: $version
Architecture: $arch
Maintainer: BTMS Gateway developers <bmgw@btms-gateway.invalid>
Installed-Size: $size
Depends: $shlibs, passwd, init-system-helpers (>= 1.56)
Section: net
Priority: optional
Description: battery monitoring gateway for UPS battery plants
 Polls battery string controllers over Modbus RTU and TCP, keeps a live model
 of up to 32 strings of 120 cells, raises alarms and keeps a year of history.
 Serves it over SNMP (its own MIB and the standard BATTERY-MIB, traps),
 streams it over MQTT with TLS (JSON and Sparkplug B, buffered while offline),
 and offers an HTTPS web UI for live data, history, discharge reports, alarms
 and settings. Runs as the unprivileged bmgw user under a hardened systemd unit.
EOF

mkdir -p "$out"
deb="$out/bmgw_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
