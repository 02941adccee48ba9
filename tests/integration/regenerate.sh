#!/bin/sh
# Regeneration is a transaction: a failure injected at each step (token
# error, disk full, process killed) leaves token objects, inventory and
# ITL bytes exactly as they were; a kill after the commit is finished by
# the next command.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }
"$TLVSIGN" init >/dev/null
for p in ITLRecovery CallManager TVS CAPF; do
	"$TLVSIGN" cert generate "$p" >/dev/null || echo "Bail out! generate $p"
done
"$TLVSIGN" itl build >/dev/null
itl=$T/tftp/ITLFile.tlv

# What must not change: token objects (label, class, id, sign flag), the
# inventory's certificates and parameters, the published bytes.
snapshot() {
	"$TLVSIGN" --json token status |
	    awk '/"class"|"label"|"id"|"sign"/' >"$1.token"
	"$TLVSIGN" --json cert list >"$1.certs"
	"$TLVSIGN" --json param list >"$1.params"
	md5sum "$itl" | cut -d' ' -f1 >"$1.itl"
	ls -A "$T/tftp" >"$1.files"
}

same_as() {
	for part in token certs params itl files; do
		cmp -s "$T/before.$part" "$T/after.$part" || {
			echo "$part differs" >"$T/err"
			diff "$T/before.$part" "$T/after.$part" >>"$T/err"
			return 1
		}
	done
}

refuse "regenerate without a certificate" 1 "$TLVSIGN" cert regenerate CallManager-ECDSA
contains "says to generate" "$T/err" "cert generate"

if faults_built; then
	snapshot "$T/before"
	for point in token_generate certificate token_store_cert \
	    regenerate_inventory token_sign disk_full regenerate_commit \
	    crash_before_commit; do
		TLVSIGN_FAULT=$point "$TLVSIGN" cert regenerate TVS \
		    >"$T/out" 2>"$T/err"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			ok "fault at $point: regenerate fails (exit $rc)"
		else
			not_ok "fault at $point: regenerate fails"
		fi
		snapshot "$T/after"
		if same_as; then ok "fault at $point: nothing changed"
		else not_ok "fault at $point: nothing changed"; fi
	done
	# a kill right after the commit: the next command finishes the job
	TLVSIGN_FAULT=crash_after_commit "$TLVSIGN" cert regenerate TVS \
	    >"$T/out" 2>"$T/err"
	[ $? -eq 137 ] && ok "killed after the commit" ||
	    not_ok "killed after the commit"
	snapshot "$T/after"
	cmp -s "$T/before.itl" "$T/after.itl" &&
	    not_ok "recovery installs the new ITL" ||
	    ok "recovery installs the new ITL"
	run "the recovered ITL verifies" "$TLVSIGN" show itl
	grep -q '#new' "$T/after.token" && not_ok "no temporary label left" ||
	    ok "no temporary label left"
	grep -q 'TVS@cucm-pub#retired' "$T/after.token" &&
	    ok "the old TVS key is retired" || not_ok "the old TVS key is retired"
	ls "$T/tftp" | grep -q '\.tmp\.' && not_ok "no staged file left" ||
	    ok "no staged file left"
else
	skip "fault points not built (configure --enable-fault-injection)"
fi

# a clean regeneration
old=$("$TLVSIGN" --json cert show CallManager | sed -n 's/.*"serial": "\(.*\)".*/\1/p')
run "regenerate CallManager" "$TLVSIGN" cert regenerate CallManager
contains "says the old key is kept" "$T/out" "key purge"
contains "says a backup is required" "$T/out" "backup is required"
new=$("$TLVSIGN" --json cert show CallManager | sed -n 's/.*"serial": "\(.*\)".*/\1/p')
[ -n "$new" ] && [ "$old" != "$new" ] && ok "a new CallManager certificate" ||
    not_ok "a new CallManager certificate"
run "the ITL carries it" "$TLVSIGN" show itl
contains "new serial in the ITL" "$T/out" "$new"
"$TLVSIGN" show itl | grep -q "$old" && not_ok "old serial gone from the ITL" ||
    ok "old serial gone from the ITL"
run "token status" "$TLVSIGN" token status
contains "token status: backup required" "$T/out" "backup required: YES"
"$TLVSIGN" cert list >"$T/out"
contains "cert list: backup required" "$T/out" "BACKUP REQUIRED"
"$TLVSIGN" token status >"$T/out"
if grep -Eq '^private-key +CallManager@cucm-pub#retired +RSA +no ' "$T/out"
then ok "the retired key can no longer sign"
else not_ok "the retired key can no longer sign"; fi

# ITLRecovery: the reference product's warning and a confirmation
"$TLVSIGN" cert regenerate ITLRecovery >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && ok "ITLRecovery needs confirmation" ||
    not_ok "ITLRecovery needs confirmation"
contains "the reference product's warning is printed" "$T/err" "Do not regenerate the ITLRecovery certificate very frequently"
contains "and why it stopped" "$T/err" "not confirmed"
run "ITLRecovery with --yes" "$TLVSIGN" cert regenerate ITLRecovery --yes
contains "says the files are signed by the CallManager key" "$T/out" "signed by the CallManager key"
rec=$("$TLVSIGN" --json cert show ITLRecovery | sed -n 's/.*"serial": "\(.*\)".*/\1/p')
cm=$("$TLVSIGN" --json cert show CallManager | sed -n 's/.*"serial": "\(.*\)".*/\1/p')
"$TLVSIGN" show itl >"$T/out"
contains "the ITL is signed by the CallManager key" "$T/out" "5	SERIALNUMBER	16	$cm"
contains "and carries the new ITLRecovery" "$T/out" "6	SERIALNUMBER	16	$rec"
run "the localkey ITL verifies" "$TLVSIGN" show itl
refuse "phones that missed the localkey ITL would reject an ITLRecovery-signed one" \
    1 "$TLVSIGN" itl build --previous 1
contains "the refusal gives a safe sequence" "$T/err" "itl reset localkey"
run "itl build: phones holding the localkey ITL accept ITLRecovery" "$TLVSIGN" itl build
"$TLVSIGN" show itl >"$T/out"
contains "the ITL is signed by the new ITLRecovery" "$T/out" "5	SERIALNUMBER	16	$rec"
run "the new ITL verifies" "$TLVSIGN" show itl

# key purge
before=$(object_count)
retired=$("$TLVSIGN" token status | grep -c '^private-key .*#retired')
refuse "key purge needs confirmation" 2 "$TLVSIGN" key purge
run "key purge --yes" "$TLVSIGN" key purge --yes
contains "every retired key destroyed" "$T/out" "$retired retired keys destroyed"
after=$(object_count)
[ "$retired" -ge 2 ] && [ "$after" -eq $((before - 3 * retired)) ] &&
    ok "key pairs and certificates of $retired retired keys gone" ||
    not_ok "retired objects gone ($retired retired, $before -> $after)"
run "key purge again" "$TLVSIGN" key purge --yes
contains "nothing left to purge" "$T/out" "0 retired keys destroyed"
run "everything still signs" "$TLVSIGN" itl build

done_testing
