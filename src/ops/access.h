/*
 * access.h - who may do what through the service's API: a client
 * certificate (by its SHA-256 fingerprint) has one role in the
 * configuration, and each operation is open to some roles.
 */
#ifndef TLVSIGN_OPS_ACCESS_H
#define TLVSIGN_OPS_ACCESS_H

enum access_op {
	ACCESS_CERTS_READ,    /* list and show certificates */
	ACCESS_SIGN,          /* sign configuration files */
	ACCESS_AUDIT,         /* read and verify the audit log */
	ACCESS_PUBLISH,       /* build and publish the ITL and the CTL */
	ACCESS_BACKUP,        /* make and list backups */
	ACCESS_BACKUP_CHECK,  /* verify and inspect backups */
	ACCESS_CERTS_WRITE,   /* generate, regenerate, request and import
	                       * certificates; add and remove nodes; bulk
	                       * certificates */
};

/* The role of a client certificate's fingerprint (lower-case hex), or
 * NULL when the configuration maps it to none. */
struct conf;
const char *access_role(const struct conf *c, const char *sha256);

/* 1 when role may do op: certificates, nodes and published trust files
 * are read by every role, signing is the publisher's, the audit log the
 * auditor's and the officer's, publishing trust files the officer's,
 * making and listing backups the officer's, checking them the auditor's
 * and the officer's, changing certificates and nodes the officer's. */
int access_allowed(const char *role, enum access_op op);

/* The roles allowed for op, for error messages ("publisher"). */
const char *access_roles_text(enum access_op op);

#endif
