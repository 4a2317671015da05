#!/usr/bin/env bash
# Writes bmgw(1) in roff from the binary's own help (`bmgw --help` and `bmgw help COMMAND`), so the
# manual page lists exactly the commands and options of the build it ships with.
#   scripts/debian/manpage.sh BMGW VERSION
set -euo pipefail
bin=${1:?usage: manpage.sh BMGW VERSION}
version=${2:?usage: manpage.sh BMGW VERSION}
# roff: a leading '.' or "'" would be a request, a backslash an escape.
quote() { sed 's/\\/\\e/g; s/^\([.'"'"']\)/\\\&\1/'; }
commands=$("$bin" --help | sed -n '/^SUBCOMMANDS:/,/^$/p' | sed -nE 's/^  ([a-z][a-z-]+) .*/\1/p')

cat <<EOT
.TH BMGW 1 "" "bmgw $version" "BTMS gateway"
.SH NAME
bmgw \- battery monitoring gateway for UPS battery plants
.SH SYNOPSIS
.B bmgw
.I command
.RI [ options ]
.SH DESCRIPTION
.B bmgw
polls battery string controllers over Modbus, keeps their history, raises alarms and serves the
data over SNMP, MQTT and an HTTPS web UI. Under systemd it runs as
.B bmgw.service
with the configuration
.IR /etc/bmgw/gateway.yaml
and its data in
.IR /var/lib/bmgw .
The documentation is in
.IR /usr/share/doc/bmgw/ .
.SH COMMANDS
EOT
for c in $commands; do
    printf '.SS %s\n.nf\n' "$c"
    "$bin" help "$c" | quote
    printf '.fi\n'
done
cat <<'EOT'
.SH FILES
.TP
.I /etc/bmgw/gateway.yaml
The configuration (check it with \fBbmgw check-config\fR).
.TP
.I /var/lib/bmgw/
History, settings saved in the web UI, users, TLS keys, the MQTT outbox.
.TP
.I /usr/share/bmgw/mibs/
The SNMP MIB modules the agent implements.
.SH SEE ALSO
.BR systemctl (1),
.BR journalctl (1),
.BR snmpwalk (1)
EOT
