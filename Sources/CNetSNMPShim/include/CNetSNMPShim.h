// A plain-C face of net-snmp's agent for Swift: no net-snmp types cross it
// (their headers clash with Foundation's, see C-INTEROP.md). Every function
// here runs on the one agent thread: net-snmp is not thread-safe.
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
    /// Any type a SET may carry that none of the above is (the callback refuses it).
    CNETSNMPSHIM_OTHER = 6,
    /// An OBJECT IDENTIFIER: `bytes` points at `length` uint32_t sub-identifiers.
    CNETSNMPSHIM_OID = 7,
};

/// Phases of a SET, as the set callback sees them.
enum {
    /// One varbind: check it and keep it (return an SNMP error code, 0 = fine).
    CNETSNMPSHIM_SET_CHECK = 1,
    /// All varbinds kept: check them together.
    CNETSNMPSHIM_SET_CONSISTENT = 2,
    /// Apply what was kept.
    CNETSNMPSHIM_SET_COMMIT = 3,
    /// Forget what was kept (refused or undone).
    CNETSNMPSHIM_SET_ABORT = 4,
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
/// One phase of a SET (CNETSNMPSHIM_SET_*); `oid` and `value` only in the check phase; `principal` is the
/// requester's security name (v3 user), possibly NULL. Returns an SNMP error code.
typedef int (*cnetsnmpshim_set)(void *context, int phase, const char *principal, const uint32_t *oid, size_t length,
                                const cnetsnmpshim_value *value);

/// Receives net-snmp's log messages (syslog priority, text) instead of stderr; call before start.
typedef void (*cnetsnmpshim_log)(void *context, int priority, const char *message);
void cnetsnmpshim_set_logger(void *context, cnetsnmpshim_log log);

/// Starts the agent with its configuration in `config_dir` and persistent state in `persistent_dir`: a master
/// agent on `ports` (e.g. "udp:127.0.0.1:1161"), or, when `agentx_socket` is not NULL, an AgentX subagent of
/// the master at that socket. Returns 0 on success, -1 when the agent cannot start, -2 when the master cannot
/// listen, -3 when a master read no access control (no community or user) from its configuration.
int cnetsnmpshim_start(const char *app, const char *config_dir, const char *persistent_dir, const char *ports,
                       const char *agentx_socket);

/// Serves `root` with the callbacks; `set` NULL = read-only.
int cnetsnmpshim_register(const uint32_t *root, size_t length, void *context, cnetsnmpshim_get get, cnetsnmpshim_next next,
                          cnetsnmpshim_set set);

/// Processes requests for at most `timeout_ms`.
void cnetsnmpshim_poll(int timeout_ms);

/// The local SNMP engine (SNMP-FRAMEWORK-MIB's snmpEngine group): its id (up to `capacity` bytes; the
/// length is returned), boots, time since the last boot (s) and the largest message it handles.
size_t cnetsnmpshim_engine(uint8_t *id, size_t capacity, int64_t *boots, int64_t *time, int64_t *max_size);

/// net-snmp's own counters, in this order: packets in, GET, GETNEXT and SET requests, bad versions,
/// bad community names, bad community uses, ASN.1 parse errors, USM unknown user names, wrong
/// digests, decryption errors, not-in-time-window, traps out. Writes up to `capacity`; returns 13.
size_t cnetsnmpshim_statistics(uint64_t *out, size_t capacity);

/// Reads the configuration files again (communities, users, trap sinks), dropping the agent's own USM users
/// first so that removed users are gone.
void cnetsnmpshim_reconfigure(const char *app);

void cnetsnmpshim_stop(const char *app);

/// One variable of a notification.
typedef struct {
    const uint32_t *oid;
    size_t length;
    cnetsnmpshim_value value;
} cnetsnmpshim_varbind;

/// Sends an SNMPv2 notification `trap` with `varbinds` to every configured sink.
int cnetsnmpshim_send_trap(const uint32_t *trap, size_t trap_length, const cnetsnmpshim_varbind *varbinds, size_t count);

/// An SNMPv3 authPriv (SHA-256, AES-128) session to an inform receiver at `peer` ("udp:HOST:PORT");
/// NULL when the address cannot be used. The receiver's engine ID is learned on the first send.
void *cnetsnmpshim_inform_open(const char *peer, const char *user, const char *auth, const char *priv);
void cnetsnmpshim_inform_close(void *session);

/// Called once per inform: acknowledged 1, or 0 (timed out, refused, not sent).
typedef void (*cnetsnmpshim_inform_done)(void *context, uint64_t tag, int acknowledged);

/// Sends an inform; `done` is called from a later poll (or before this returns, when it cannot be sent).
void cnetsnmpshim_send_inform(void *session, const uint32_t *trap, size_t trap_length, const cnetsnmpshim_varbind *varbinds,
                              size_t count, void *context, uint64_t tag, cnetsnmpshim_inform_done done);

#endif
