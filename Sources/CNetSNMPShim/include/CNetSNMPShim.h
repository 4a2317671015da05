// A plain-C face of net-snmp's agent for Swift: no net-snmp types cross it
// (their headers clash with Foundation's, see C-INTEROP.md).
#ifndef CNETSNMPSHIM_H
#define CNETSNMPSHIM_H

#include <stddef.h>
#include <stdint.h>

/// Value kinds, mapped to ASN.1 types in shim.c.
enum {
    CNETSNMPSHIM_INTEGER = 1,
    CNETSNMPSHIM_GAUGE = 2,
    CNETSNMPSHIM_COUNTER = 3,
    CNETSNMPSHIM_TIMETICKS = 4,
    CNETSNMPSHIM_OCTETS = 5,
};

typedef struct {
    int kind;
    int64_t integer;
    const uint8_t *bytes;
    size_t length;
} cnetsnmpshim_value;

/// Fills `value` for exactly `oid` (GET); returns 1 when it exists.
typedef int (*cnetsnmpshim_get)(void *context, const uint32_t *oid, size_t length, cnetsnmpshim_value *value);
/// Finds the first OID after `oid` under the registered root (GETNEXT); writes it to `next`
/// (capacity 128) and its length to `next_length`; returns 1 when there is one.
typedef int (*cnetsnmpshim_next)(void *context, const uint32_t *oid, size_t length, uint32_t *next, size_t *next_length,
                                 cnetsnmpshim_value *value);

/// Starts an embedded master agent listening on `ports` (e.g. "udp:127.0.0.1:1161"), with its
/// configuration and persistent files in `directory`. Returns 0 on success.
int cnetsnmpshim_start(const char *app, const char *directory, const char *ports);

/// Serves `root` with the callbacks (called on the agent thread).
int cnetsnmpshim_register(const uint32_t *root, size_t length, void *context, cnetsnmpshim_get get, cnetsnmpshim_next next);

/// Processes requests for at most `timeout_ms`.
void cnetsnmpshim_poll(int timeout_ms);

void cnetsnmpshim_stop(const char *app);

/// One variable of a notification.
typedef struct {
    const uint32_t *oid;
    size_t length;
    cnetsnmpshim_value value;
} cnetsnmpshim_varbind;

/// Sends an SNMPv2 notification `trap` with `varbinds` to every configured sink (agent thread only).
int cnetsnmpshim_send_trap(const uint32_t *trap, size_t trap_length, const cnetsnmpshim_varbind *varbinds, size_t count);

#endif
