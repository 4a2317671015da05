#!/usr/bin/env bash
# Test certificates for the MQTT tests, in DIR: a CA, a server certificate for localhost and
# 127.0.0.1, a client certificate, and an unrelated second CA (the "wrong CA" case).
# Idempotent: existing files are kept.
set -euo pipefail
dir=${1:?usage: mqtt-pki.sh DIR}
mkdir -p "$dir"
cd "$dir"
[[ -f ca.crt && -f server.crt && -f client.crt && -f other-ca.crt ]] && exit 0

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
ca() {
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -out "$1.crt" -days 30 -subj "/CN=$2" 2>/dev/null
}
signed() {  # name, CN, extensions
    key "$1.key"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
    printf '%s\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 30 -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
ca ca "BTMS test CA"
ca other-ca "Somebody else's CA"
signed server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1"
signed client bmgw-test "extendedKeyUsage=clientAuth"
# A broker started as root drops to user mosquitto: it must read its key.
chmod 644 ./*.key
