#!/usr/bin/env bash
# Writes the package's machine-readable copyright file: the gateway's own code, then every Swift
# package linked into the binary (from the build's checkouts: name and licence as its LICENSE file
# states it), the Swift runtime and BoringSSL (inside swift-crypto and swift-nio-ssl).
#   scripts/debian/copyright.sh CHECKOUTS-FOLDER
set -euo pipefail
checkouts=${1:?usage: copyright.sh CHECKOUTS-FOLDER}
indent() { sed 's/^[[:space:]]*$/./; s/^/ /'; }

cat <<'HEAD'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: bmgw
Comment: The BTMS battery monitoring gateway. The binary /usr/bin/bmgw links the
 Swift runtime and the Swift packages listed below statically.

Files: *
Copyright: 2026 The BTMS Gateway developers
License: BTMS-Gateway
HEAD

mit=()
for dir in "$checkouts"/*/; do
    name=$(basename "$dir")
    license=$(ls "$dir"LICENSE* "$dir"COPYING* 2>/dev/null | head -1 || true)
    [[ -n "$license" ]] || { echo "copyright.sh: $name has no LICENSE file" >&2; exit 1; }
    if grep -q "Apache License" "$license"; then
        short=Apache-2.0
    elif grep -q "Permission is hereby granted" "$license"; then
        short=Expat; mit+=("$license")
    else
        echo "copyright.sh: the licence of $name is not recognised ($license)" >&2; exit 1
    fi
    holder=$(grep -m1 -E "^[[:space:]]*Copyright \(c\)" "$license" | sed 's/^[[:space:]]*Copyright (c) *//' || true)
    printf '\nFiles: embedded/swift-packages/%s/*\nCopyright: %s\nLicense: %s\n' "$name" "${holder:-the $name authors}" "$short"
done

cat <<'TAIL'

Files: embedded/swift-runtime/*
Copyright: Apple Inc. and the Swift project authors
License: Apache-2.0
Comment: with the Runtime Library Exception of the Swift project.

Files: embedded/libyaml/*
Copyright: Ingy döt Net, Kirill Simonov
License: Expat
Comment: libyaml's C sources, compiled into the binary by the Yams package.

Files: embedded/boringssl/*
Copyright: The OpenSSL Project, Google Inc. and the BoringSSL authors
License: ISC and OpenSSL
Comment: BoringSSL, vendored by swift-crypto and swift-nio-ssl; its licence text:
 https://boringssl.googlesource.com/boringssl/+/refs/heads/master/LICENSE

License: BTMS-Gateway
 The BTMS Gateway developers have not yet chosen the licence under which the
 gateway is distributed. Until they do, all rights are reserved.

License: Apache-2.0
 On Debian systems the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.

License: ISC and OpenSSL
 See the BoringSSL licence text referenced above.
TAIL

# Expat: libyaml (always embedded) and any MIT-licensed package; the text is the same.
printf '\nLicense: Expat\n'
if [[ ${#mit[@]} -gt 0 ]]; then
    sed -n '/Permission is hereby granted/,$p' "${mit[0]}" | indent
else
    echo " See /usr/share/common-licenses/ (not shipped there: MIT); https://opensource.org/license/mit"
fi
