/*
 * dbint.h - the inventory's SQLite connection, for the store modules that
 * keep their tables in it (audit, TVS trust store). Not for ops/.
 */
#ifndef TLVSIGN_STORE_DBINT_H
#define TLVSIGN_STORE_DBINT_H

#include <sqlite3.h>

#include "store/inventory.h"

sqlite3 *inventory_db(struct inventory *inv);

/*
 * A statement prepared once and kept until inventory_close, for the SQL
 * that a service runs for every request (each sqlite3_prepare parses it
 * again). Returned reset, without bindings; the caller steps it and then
 * hands it to inventory_stmt_done, never to sqlite3_finalize. Up to
 * INVENTORY_STMT_CACHE different texts are kept; past that, a statement
 * is prepared for this use alone and finalized by inventory_stmt_done.
 * TS_ERR_STATE when sql does not prepare.
 */
#define INVENTORY_STMT_CACHE 16
int inventory_stmt(struct inventory *inv, const char *sql,
    sqlite3_stmt **st);
void inventory_stmt_done(struct inventory *inv, sqlite3_stmt *st);

#endif
