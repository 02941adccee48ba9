/*
 * setup.h - `tlvsign init` (state directory, inventory, publisher node,
 * token check) and `tlvsign token status`.
 */
#ifndef TLVSIGN_OPS_SETUP_H
#define TLVSIGN_OPS_SETUP_H

#include "ops/app.h"

struct init_result {
	int created_inventory;  /* 0: it existed and was migrated */
	int created_node;
	int schema_version;
	struct token_info token;
};

/* Idempotent: a second run checks and changes nothing. */
int ops_init(const char *conf_path, struct init_result *res);

struct token_status {
	struct token_info info;
	struct token_object *objects;
	size_t nobjects;
	char *cluster_name;
	char *backup_required;  /* "true" / "false" */
};

int ops_token_status(struct app *a, struct token_status *st);
void token_status_free(struct token_status *st);

#endif
