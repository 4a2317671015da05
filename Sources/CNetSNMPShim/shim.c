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
    default:
        snmp_set_var_typed_value(var, ASN_OCTET_STR, v->bytes, v->length);
    }
}

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg, netsnmp_agent_request_info *info,
                   netsnmp_request_info *requests) {
    registration *r = (registration *)h->myvoid;
    for (netsnmp_request_info *req = requests; req; req = req->next) {
        netsnmp_variable_list *var = req->requestvb;
        uint32_t oid32[MAX_OID_LEN];
        size_t n = var->name_length < MAX_OID_LEN ? var->name_length : MAX_OID_LEN;
        for (size_t i = 0; i < n; i++) oid32[i] = (uint32_t)var->name[i];
        cnetsnmpshim_value value = {0};
        if (info->mode == MODE_GET) {
            if (r->get(r->context, oid32, n, &value)) {
                set_value(var, &value);
            } else {
                netsnmp_set_request_error(info, req, SNMP_NOSUCHINSTANCE);
            }
        } else if (info->mode == MODE_GETNEXT) {
            uint32_t next[128];
            size_t next_length = 0;
            if (r->next(r->context, oid32, n, next, &next_length, &value)) {
                oid name[128];
                for (size_t i = 0; i < next_length; i++) name[i] = next[i];
                snmp_set_var_objid(var, name, next_length);
                set_value(var, &value);
            }
            // Nothing after it in our subtree: leave the varbind, the agent moves on.
        } else {
            netsnmp_set_request_error(info, req, SNMP_ERR_NOTWRITABLE);
        }
    }
    return SNMP_ERR_NOERROR;
}

int cnetsnmpshim_start(const char *app, const char *directory, const char *ports) {
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_CONFIGURATION_DIR, directory);
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, directory);
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_NO_ROOT_ACCESS, 1);
    netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_PORTS, ports);
    // Debian's agent library has SMUX, which would bind tcp:199.
    add_to_init_list("-smux");
    snmp_disable_log();
    snmp_enable_stderrlog();
    if (init_agent(app) != 0) return -1;
    init_snmp(app);
    if (init_master_agent() != 0) return -2;
    return 0;
}

int cnetsnmpshim_register(const uint32_t *root, size_t length, void *context, cnetsnmpshim_get get, cnetsnmpshim_next next) {
    oid name[128];
    if (length > 128) return -1;
    for (size_t i = 0; i < length; i++) name[i] = root[i];
    registration *r = calloc(1, sizeof(registration));
    if (!r) return -1;
    r->context = context;
    r->get = get;
    r->next = next;
    netsnmp_mib_handler *h = netsnmp_create_handler("btms", handler);
    h->myvoid = r;
    netsnmp_handler_registration *reg = netsnmp_handler_registration_create("btms", h, name, length, HANDLER_CAN_RONLY);
    return netsnmp_register_handler(reg) == MIB_REGISTERED_OK ? 0 : -2;
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

void cnetsnmpshim_stop(const char *app) {
    snmp_shutdown(app);
    shutdown_master_agent();
}

int cnetsnmpshim_send_trap(const uint32_t *trap, size_t trap_length, const cnetsnmpshim_varbind *varbinds, size_t count) {
    static const oid snmp_trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
    oid name[128];
    netsnmp_variable_list *vars = NULL;
    if (trap_length > 128) return -1;
    for (size_t i = 0; i < trap_length; i++) name[i] = trap[i];
    snmp_varlist_add_variable(&vars, snmp_trap_oid, OID_LENGTH(snmp_trap_oid), ASN_OBJECT_ID,
                              (const u_char *)name, trap_length * sizeof(oid));
    for (size_t v = 0; v < count; v++) {
        if (varbinds[v].length > 128) continue;
        for (size_t i = 0; i < varbinds[v].length; i++) name[i] = varbinds[v].oid[i];
        netsnmp_variable_list *var = snmp_varlist_add_variable(&vars, name, varbinds[v].length, ASN_NULL, NULL, 0);
        if (var) set_value(var, &varbinds[v].value);
    }
    send_v2trap(vars);
    snmp_free_varbind(vars);
    return 0;
}
