#!/bin/sh
# The audit log: every operation that signs, changes keys or parameters,
# exports or publishes is appended, failures too; `audit verify` detects an
# edited, deleted, inserted or reordered entry.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }
"$TLVSIGN" init >/dev/null
for p in ITLRecovery CallManager TVS CAPF; do
	"$TLVSIGN" cert generate "$p" >/dev/null || echo "Bail out! generate $p"
done
"$TLVSIGN" itl build >/dev/null
"$TLVSIGN" cert generate CallManager >/dev/null 2>&1
"$TLVSIGN" param set fips-mode false >/dev/null
"$TLVSIGN" node add spare --ip 192.0.2.50 --services CAPF >/dev/null
"$TLVSIGN" node remove spare >/dev/null
umask 077
echo "audit-passphrase" >"$T/pass"
umask 022
TLVSIGN_P12_PASS_FILE=$T/pass "$TLVSIGN" key export-p12 ITLRecovery \
    --out "$T/r.p12" --yes >/dev/null
"$TLVSIGN" cert regenerate TVS >/dev/null

run "audit show" "$TLVSIGN" audit show
for op in cert.generate itl.publish param.set node.add node.remove \
    key.export-p12 cert.regenerate; do
	contains "records $op" "$T/out" "$op"
done
contains "records a refusal" "$T/out" "failed: cucm-pub already has an active CallManager"
contains "names the actor" "$T/out" "local:"
grep -q "audit-passphrase" "$T/out" && not_ok "no passphrase in the log" ||
    ok "no passphrase in the log"
"$TLVSIGN" --json audit show >"$T/out"
contains "json: hash chain fields" "$T/out" '"prev": "0000000000000000000000000000000000000000000000000000000000000000"'
run "audit show --since today" "$TLVSIGN" audit show --since "$(date -u +%Y-%m-%d)"
run "audit verify" "$TLVSIGN" audit verify
contains "says intact" "$T/out" "audit log intact"

db=$T/state/inventory.db
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
cp "$db" "$T/good.db"
restore() { cp "$T/good.db" "$db"; rm -f "$db-wal" "$db-shm"; }

sqlite3 "$db" "UPDATE audit SET result = 'ok' WHERE result LIKE 'failed%';"
refuse "an edited entry is detected" 1 "$TLVSIGN" audit verify
contains "says altered" "$T/err" "altered"
restore
sqlite3 "$db" "UPDATE audit SET args = 'purpose=TVS' WHERE seq = 2;"
refuse "edited arguments are detected" 1 "$TLVSIGN" audit verify
restore
sqlite3 "$db" "DELETE FROM audit WHERE seq = 3;"
refuse "a deleted entry is detected" 1 "$TLVSIGN" audit verify
contains "says removed" "$T/err" "removed"
restore
sqlite3 "$db" "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit);"
run "without a checkpoint, removing the newest entry goes unseen" "$TLVSIGN" audit verify
restore
run "audit checkpoint" "$TLVSIGN" audit checkpoint
contains "signed by ITLRecovery" "$T/out" "signed by ITLRecovery"
run "audit verify with the checkpoint" "$TLVSIGN" audit verify
contains "names the checkpoint and its signer" "$T/out" "signed by CN=ITLRECOVERY_"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
cp "$db" "$T/good.db"
sqlite3 "$db" "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit);"
refuse "with a checkpoint, removing the newest entry is detected" 1 "$TLVSIGN" audit verify
contains "says entries were removed" "$T/err" "removed"
restore
sqlite3 "$db" "UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit WHERE seq = 1);"
refuse "a checkpoint moved to another hash is detected" 1 "$TLVSIGN" audit verify
restore
sqlite3 "$db" "UPDATE audit_checkpoints SET signature = substr(signature, 2) || x'00';"
refuse "a forged checkpoint signature is detected" 1 "$TLVSIGN" audit verify
contains "says it does not verify" "$T/err" "does not verify"
restore
i=0
while [ "$i" -lt 26 ]; do
	"$TLVSIGN" param set fips-mode false >/dev/null
	i=$((i + 1))
done
"$TLVSIGN" itl build >/dev/null
run "checkpoints come by themselves" "$TLVSIGN" audit verify
n=$(sed -n 's/^\([0-9]*\) signed checkpoints.*/\1/p' "$T/out")
[ "${n:-0}" -ge 2 ] && ok "a second checkpoint was made automatically" ||
    not_ok "a second checkpoint was made automatically ($n)"
sqlite3 "$db" "INSERT INTO audit SELECT seq + 1000, time, actor, operation, args_digest, args, result, prev, hash FROM audit WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 1002;" 2>/dev/null ||
    sqlite3 "$db" "INSERT INTO audit(seq, time, actor, operation, args_digest, args, result, prev, hash) SELECT (SELECT max(seq) FROM audit) + 1, time, actor, operation, args_digest, args, result, prev, hash FROM audit WHERE seq = 2;"
refuse "an inserted entry is detected" 1 "$TLVSIGN" audit verify
restore
sqlite3 "$db" "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq = 2; DELETE FROM audit WHERE seq = 2; INSERT INTO audit SELECT * FROM t;"
refuse "a reordered entry is detected" 1 "$TLVSIGN" audit verify
restore
run "the restored log verifies" "$TLVSIGN" audit verify

done_testing
