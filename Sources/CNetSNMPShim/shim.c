// Thin forwarders between net-snmp's agent API and Swift callbacks.
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <sys/select.h>
#include "CNetSNMPShim.h"

typedef struct {
    void *context;
    cnetsnmpshim_get get;
    cnetsnmpshim_next next;
    cnetsnmpshim_set set;
} registration;

static void set_value(netsnmp_variable_list *var, const cnetsnmpshim_value *v) {
    switch (v->kind) {
    case CNETSNMPSHIM_INTEGER: {
        long x = (long)v->integer;
        snmp_set_var_typed_value(var, ASN_INTEGER, &x, sizeof(x));
        break;
    }
    case CNETSNMPSHIM_GAUGE:
    case CNETSNMPSHIM_COUNTER:
    case CNETSNMPSHIM_TIMETICKS: {
        u_long x = (u_long)(v->integer < 0 ? 0 : v->integer);
        u_char type = v->kind == CNETSNMPSHIM_GAUGE ? ASN_GAUGE : v->kind == CNETSNMPSHIM_COUNTER ? ASN_COUNTER : ASN_TIMETICKS;
        snmp_set_var_typed_value(var, type, &x, sizeof(x));
        break;
    }
    case CNETSNMPSHIM_OID: {
        oid name[MAX_OID_LEN];
        size_t n = v->length < MAX_OID_LEN ? v->length : MAX_OID_LEN;
        const uint32_t *sub = (const uint32_t *)v->bytes;
        for (size_t i = 0; i < n; i++) name[i] = sub[i];
        snmp_set_var_typed_value(var, ASN_OBJECT_ID, name, n * sizeof(oid));
        break;
    }
    default:
        snmp_set_var_typed_value(var, ASN_OCTET_STR, v->bytes, v->length);
    }
}

/// The value a SET carries, in the shim's terms.
static cnetsnmpshim_value get_value(const netsnmp_variable_list *var) {
    cnetsnmpshim_value v = {0};
    switch (var->type) {
    case ASN_INTEGER: v.kind = CNETSNMPSHIM_INTEGER; v.integer = *var->val.integer; break;
    case ASN_GAUGE: v.kind = CNETSNMPSHIM_GAUGE; v.integer = (int64_t)(u_long)*var->val.integer; break;
    case ASN_COUNTER: v.kind = CNETSNMPSHIM_COUNTER; v.integer = (int64_t)(u_long)*var->val.integer; break;
    case ASN_TIMETICKS: v.kind = CNETSNMPSHIM_TIMETICKS; v.integer = (int64_t)(u_long)*var->val.integer; break;
    case ASN_OCTET_STR: v.kind = CNETSNMPSHIM_OCTETS; v.bytes = var->val.string; v.length = var->val_len; break;
    default: v.kind = CNETSNMPSHIM_OTHER;
    }
    return v;
}

static size_t copy_oid(const netsnmp_variable_list *var, uint32_t *out) {
    size_t n = var->name_length < MAX_OID_LEN ? var->name_length : MAX_OID_LEN;
    for (size_t i = 0; i < n; i++) out[i] = (uint32_t)var->name[i];
    return n;
}

/// A SET in net-snmp's phases: every varbind checked, then all together, then applied.
static void handle_set(registration *r, netsnmp_agent_request_info *info, netsnmp_request_info *requests) {
    int err = 0;
    const char *who = info->asp && info->asp->pdu ? info->asp->pdu->securityName : NULL;
    switch (info->mode) {
    case MODE_SET_RESERVE1:
        for (netsnmp_request_info *req = requests; req; req = req->next) {
            uint32_t oid32[MAX_OID_LEN];
            size_t n = copy_oid(req->requestvb, oid32);
            cnetsnmpshim_value value = get_value(req->requestvb);
            err = r->set ? r->set(r->context, CNETSNMPSHIM_SET_CHECK, who, oid32, n, &value) : SNMP_ERR_NOTWRITABLE;
            if (err) netsnmp_set_request_error(info, req, err);
        }
        break;
    case MODE_SET_RESERVE2:
        err = r->set ? r->set(r->context, CNETSNMPSHIM_SET_CONSISTENT, who, NULL, 0, NULL) : SNMP_ERR_NOTWRITABLE;
        if (err) netsnmp_set_request_error(info, requests, err);
        break;
    case MODE_SET_ACTION:
        break;
    case MODE_SET_COMMIT:
        if (r->set) r->set(r->context, CNETSNMPSHIM_SET_COMMIT, who, NULL, 0, NULL);
        break;
    default:  // FREE, UNDO
        if (r->set) r->set(r->context, CNETSNMPSHIM_SET_ABORT, who, NULL, 0, NULL);
    }
}

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg, netsnmp_agent_request_info *info,
                   netsnmp_request_info *requests) {
    registration *r = (registration *)h->myvoid;
    if (info->mode != MODE_GET && info->mode != MODE_GETNEXT) {
        handle_set(r, info, requests);
        return SNMP_ERR_NOERROR;
    }
    for (netsnmp_request_info *req = requests; req; req = req->next) {
        netsnmp_variable_list *var = req->requestvb;
        uint32_t oid32[MAX_OID_LEN];
        size_t n = copy_oid(var, oid32);
        cnetsnmpshim_value value = {0};
        if (info->mode == MODE_GET) {
            if (r->get(r->context, oid32, n, &value)) {
                set_value(var, &value);
            } else {
                netsnmp_set_request_error(info, req, SNMP_NOSUCHINSTANCE);
            }
        } else {
            uint32_t next[128];
            size_t next_length = 0;
            if (r->next(r->context, oid32, n, next, &next_length, &value)) {
                oid name[128];
                for (size_t i = 0; i < next_length; i++) name[i] = next[i];
                snmp_set_var_objid(var, name, next_length);
                set_value(var, &value);
            }
            // Nothing after it in our subtree: leave the varbind, the agent moves on.
        }
    }
    return SNMP_ERR_NOERROR;
}

static void *log_context;
static cnetsnmpshim_log log_function;

static int log_callback(int major, int minor, void *server_arg, void *client_arg) {
    const struct snmp_log_message *m = server_arg;
    if (log_function && m && m->msg) log_function(log_context, m->priority, m->msg);
    return 0;
}

void cnetsnmpshim_set_logger(void *context, cnetsnmpshim_log log) {
    log_context = context;
    log_function = log;
}

/// net-snmp prefers these variables to the directories set below (SNMPCONFPATH replaces the whole
/// configuration path, MIBS loads modules the agent never needs); an NMS host's shell often has them
/// for the client tools. Only names already set are overwritten: replacing a value swaps one pointer
/// in environ, while adding a name could move environ under another thread's getenv.
static void own_environment(const char *config_dir, const char *persistent_dir, const char *app) {
    char path[4096], file[4096];
    snprintf(path, sizeof(path), "%s:%s", config_dir, persistent_dir);
    snprintf(file, sizeof(file), "%s/%s.conf", persistent_dir, app);
    if (getenv("SNMPCONFPATH")) setenv("SNMPCONFPATH", path, 1);
    if (getenv("SNMP_PERSISTENT_FILE")) setenv("SNMP_PERSISTENT_FILE", file, 1);
    if (getenv("SNMP_PERSISTENT_DIR")) setenv("SNMP_PERSISTENT_DIR", persistent_dir, 1);
    if (getenv("MIBS")) setenv("MIBS", "", 1);
    if (getenv("MIBFILES")) setenv("MIBFILES", "", 1);
    if (getenv("MIBDIRS")) setenv("MIBDIRS", config_dir, 1);
}

int cnetsnmpshim_start(const char *app, const char *config_dir, const char *persistent_dir, const char *ports,
                       const char *agentx_socket) {
    own_environment(config_dir, persistent_dir, app);
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_CONFIGURATION_DIR, config_dir);
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, persistent_dir);
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_NO_ROOT_ACCESS, 1);
    if (agentx_socket) {
        netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
        netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, agentx_socket);
    } else {
        netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_PORTS, ports);
    }
    // Debian's agent library has SMUX, which would bind tcp:199.
    add_to_init_list("-smux");
    snmp_disable_log();
    if (log_function) {
        snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, log_callback, NULL);
        snmp_enable_calllog();
    } else {
        snmp_enable_stderrlog();
    }
    if (init_agent(app) != 0) return -1;
    init_snmp(app);
    // A master that read no access lines would time out every request: refuse to start instead.
    if (!agentx_socket && !vacm_is_configured()) {
        snmp_shutdown(app);
        return -3;
    }
    if (!agentx_socket && init_master_agent() != 0) return -2;
    return 0;
}

int cnetsnmpshim_register(const uint32_t *root, size_t length, void *context, cnetsnmpshim_get get, cnetsnmpshim_next next,
                          cnetsnmpshim_set set) {
    oid name[128];
    if (length > 128) return -1;
    for (size_t i = 0; i < length; i++) name[i] = root[i];
    registration *r = calloc(1, sizeof(registration));
    if (!r) return -1;
    r->context = context;
    r->get = get;
    r->next = next;
    r->set = set;
    netsnmp_mib_handler *h = netsnmp_create_handler("btms", handler);
    h->myvoid = r;
    netsnmp_handler_registration *reg =
        netsnmp_handler_registration_create("btms", h, name, length, set ? HANDLER_CAN_RWRITE : HANDLER_CAN_RONLY);
    return netsnmp_register_handler(reg) == MIB_REGISTERED_OK ? 0 : -2;
}

size_t cnetsnmpshim_statistics(uint64_t *out, size_t capacity) {
    static const int which[] = {
        STAT_SNMPINPKTS, STAT_SNMPINGETREQUESTS, STAT_SNMPINGETNEXTS, STAT_SNMPINSETREQUESTS, STAT_SNMPINBADVERSIONS,
        STAT_SNMPINBADCOMMUNITYNAMES, STAT_SNMPINBADCOMMUNITYUSES, STAT_SNMPINASNPARSEERRS, STAT_USMSTATSUNKNOWNUSERNAMES,
        STAT_USMSTATSWRONGDIGESTS, STAT_USMSTATSDECRYPTIONERRORS, STAT_USMSTATSNOTINTIMEWINDOWS, STAT_SNMPOUTTRAPS,
    };
    size_t n = sizeof(which) / sizeof(which[0]);
    for (size_t i = 0; i < n && i < capacity; i++) out[i] = snmp_get_statistic(which[i]);
    return n;
}

size_t cnetsnmpshim_engine(uint8_t *id, size_t capacity, int64_t *boots, int64_t *time, int64_t *max_size) {
    *boots = (int64_t)snmpv3_local_snmpEngineBoots();
    *time = (int64_t)snmpv3_local_snmpEngineTime();
    *max_size = 1500;  /* what net-snmp's own snmpEngine module (snmpd) reports */
    return snmpv3_get_engineID(id, capacity);
}

void cnetsnmpshim_poll(int timeout_ms) {
    int fds = 0, block = 0;
    fd_set read;
    FD_ZERO(&read);
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    snmp_select_info(&fds, &read, &tv, &block);
    struct timeval cap = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    if (block || timercmp(&tv, &cap, >)) tv = cap;
    int n = select(fds, &read, NULL, NULL, &tv);
    if (n > 0) snmp_read(&read); else if (n == 0) snmp_timeout();
    run_alarms();
    netsnmp_check_outstanding_agent_requests();
}

void cnetsnmpshim_reconfigure(const char *app) {
    // createUser has no "free" hook: drop the users of our own engine (inform sessions keep theirs).
    u_char engine[SNMP_MAXBUF_SMALL];
    size_t engine_length = snmpv3_get_engineID(engine, sizeof(engine));
    struct usmUser *u = usm_get_userList();
    while (u) {
        struct usmUser *next = u->next;
        if (u->engineIDLen == engine_length && memcmp(u->engineID, engine, engine_length) == 0) {
            usm_remove_user(u);
            usm_free_user(u);
        }
        u = next;
    }
    update_config();
}

void cnetsnmpshim_stop(const char *app) {
    snmp_shutdown(app);
    shutdown_master_agent();
}

/// sysUpTime.0 (inform only), snmpTrapOID.0 and the varbinds; NULL when an OID is too long.
static netsnmp_variable_list *notification_vars(int uptime, const uint32_t *trap, size_t trap_length,
                                                const cnetsnmpshim_varbind *varbinds, size_t count) {
    static const oid sys_uptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
    static const oid snmp_trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
    oid name[128];
    netsnmp_variable_list *vars = NULL;
    if (trap_length > 128) return NULL;
    if (uptime) {
        u_long ticks = netsnmp_get_agent_uptime();
        snmp_varlist_add_variable(&vars, sys_uptime_oid, OID_LENGTH(sys_uptime_oid), ASN_TIMETICKS, (const u_char *)&ticks, sizeof(ticks));
    }
    for (size_t i = 0; i < trap_length; i++) name[i] = trap[i];
    snmp_varlist_add_variable(&vars, snmp_trap_oid, OID_LENGTH(snmp_trap_oid), ASN_OBJECT_ID,
                              (const u_char *)name, trap_length * sizeof(oid));
    for (size_t v = 0; v < count; v++) {
        if (varbinds[v].length > 128) continue;
        for (size_t i = 0; i < varbinds[v].length; i++) name[i] = varbinds[v].oid[i];
        netsnmp_variable_list *var = snmp_varlist_add_variable(&vars, name, varbinds[v].length, ASN_NULL, NULL, 0);
        if (var) set_value(var, &varbinds[v].value);
    }
    return vars;
}

int cnetsnmpshim_send_trap(const uint32_t *trap, size_t trap_length, const cnetsnmpshim_varbind *varbinds, size_t count) {
    netsnmp_variable_list *vars = notification_vars(0, trap, trap_length, varbinds, count);
    if (!vars) return -1;
    send_v2trap(vars);
    snmp_free_varbind(vars);
    return 0;
}

void *cnetsnmpshim_inform_open(const char *peer, const char *user, const char *auth, const char *priv) {
    netsnmp_session s;
    snmp_sess_init(&s);
    s.version = SNMP_VERSION_3;
    s.peername = (char *)peer;
    s.securityName = (char *)user;
    s.securityNameLen = strlen(user);
    s.securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
    s.securityAuthProto = (oid *)usmHMAC192SHA256AuthProtocol;
    s.securityAuthProtoLen = OID_LENGTH(usmHMAC192SHA256AuthProtocol);
    s.securityAuthKeyLen = USM_AUTH_KU_LEN;
    if (generate_Ku(s.securityAuthProto, s.securityAuthProtoLen, (const u_char *)auth, strlen(auth), s.securityAuthKey,
                    &s.securityAuthKeyLen) != SNMPERR_SUCCESS) return NULL;
    s.securityPrivProto = (oid *)usmAESPrivProtocol;
    s.securityPrivProtoLen = OID_LENGTH(usmAESPrivProtocol);
    s.securityPrivKeyLen = USM_PRIV_KU_LEN;
    if (generate_Ku(s.securityAuthProto, s.securityAuthProtoLen, (const u_char *)priv, strlen(priv), s.securityPrivKey,
                    &s.securityPrivKeyLen) != SNMPERR_SUCCESS) return NULL;
    // One try per send: the caller retries with back-off. The engine-ID probe before the first
    // acknowledged send is synchronous, so this also bounds how long it can hold the agent thread.
    s.timeout = 1000000;
    s.retries = 0;
    s.flags |= SNMP_FLAGS_DONT_PROBE;
    return snmp_open(&s);
}

void cnetsnmpshim_inform_close(void *session) {
    if (session) snmp_close((netsnmp_session *)session);
}

typedef struct {
    void *context;
    uint64_t tag;
    cnetsnmpshim_inform_done done;
    int sending;  // inside snmp_async_send: the sender, not the callback, frees this
    int reported;
} inform_request;

static int inform_callback(int op, netsnmp_session *session, int reqid, netsnmp_pdu *pdu, void *magic) {
    inform_request *r = magic;
    if (!r) return 1;
    // A Report (wrong keys, unknown user, unknown engine) is an answer but not an acknowledgement.
    int ok = op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu && pdu->command == SNMP_MSG_RESPONSE;
    if (!r->reported) {
        r->reported = 1;
        r->done(r->context, r->tag, ok);
    }
    if (!r->sending) free(r);
    return 1;
}

void cnetsnmpshim_send_inform(void *session, const uint32_t *trap, size_t trap_length, const cnetsnmpshim_varbind *varbinds,
                              size_t count, void *context, uint64_t tag, cnetsnmpshim_inform_done done) {
    inform_request *r = calloc(1, sizeof(inform_request));
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_INFORM);
    netsnmp_variable_list *vars = notification_vars(1, trap, trap_length, varbinds, count);
    if (!r || !pdu || !vars || !session) {
        free(r);
        if (pdu) snmp_free_pdu(pdu);
        if (vars) snmp_free_varbind(vars);
        done(context, tag, 0);
        return;
    }
    pdu->variables = vars;
    r->context = context;
    r->tag = tag;
    r->done = done;
    r->sending = 1;
    int sent = snmp_async_send((netsnmp_session *)session, pdu, inform_callback, r);
    r->sending = 0;
    if (sent && r->reported) free(r);
    if (!sent) {
        // Not queued: the PDU is still ours, and the callback may or may not have run.
        snmp_free_pdu(pdu);
        if (!r->reported) done(context, tag, 0);
        free(r);
    }
}
