#!/bin/sh
# Backups: create, list, verify (no secret), the auditor's openssl-only
# check, --restore-test in a scratch token, restore into a fresh token
# whose keys then sign what the backed-up certificates verify; and every
# failure (wrong passphrase, truncated or altered file, another cluster,
# a token failing mid-restore) changing nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }
A=$T
trap 'rm -rf "$A" "${B:-}" "${C:-}"' EXIT
"$TLVSIGN" init >/dev/null
for p in ITLRecovery CallManager TVS CAPF CallManager-ECDSA; do
	"$TLVSIGN" cert generate "$p" >/dev/null || echo "Bail out! generate $p"
done
"$TLVSIGN" cert csr tomcat --out "$A/tomcat.csr" >/dev/null ||
    echo "Bail out! csr"
"$TLVSIGN" cert regenerate TVS >/dev/null || echo "Bail out! regenerate"
"$TLVSIGN" itl build >/dev/null
"$TLVSIGN" ctl set-cluster mixed-mode >/dev/null || echo "Bail out! ctl"
"$TLVSIGN" cert regenerate CallManager >/dev/null ||
    echo "Bail out! regenerate CallManager"
"$TLVSIGN" cert export ITLRecovery >"$A/itlrecovery.pem"
"$TLVSIGN" cert export CallManager >"$A/cm.pem"
"$TLVSIGN" --json cert list >"$A/certs.json"

umask 077
echo "correct horse battery staple" >"$A/pass"
echo "short" >"$A/short"
echo "another passphrase entirely" >"$A/wrong"
umask 022
cp "$A/pass" "$A/open"
chmod 644 "$A/open"
export TLVSIGN_BACKUP_PASSPHRASE_FILE="$A/pass"
bak=$A/b1.tlvbak

# ---- create, list ----
"$TLVSIGN" param get backup-required >"$T/out"
contains "a new CallManager key requires a backup" "$T/out" "true"
TLVSIGN_BACKUP_PASSPHRASE_FILE=$A/short refuse "a short passphrase is refused" 1 \
    "$TLVSIGN" backup create --out "$A/short.tlvbak"
contains "says the minimum" "$T/err" "at least 12 characters"
TLVSIGN_BACKUP_PASSPHRASE_FILE=$A/open refuse "a passphrase file others can read is refused" 1 \
    "$TLVSIGN" backup create --out "$A/open.tlvbak"
[ ! -e "$A/short.tlvbak" ] && [ ! -e "$A/open.tlvbak" ] &&
    ok "refused backups leave no file" || not_ok "refused backups leave no file"
run "backup create" "$TLVSIGN" backup create --out "$bak"
contains "names the file" "$T/out" "backup written: $bak"
contains "counts the keys (8 with two retired and the CSR key)" "$T/out" "8 keys"
sum=$(sha256sum "$bak" | cut -d' ' -f1)
contains "prints the file's SHA-256" "$T/out" "$sum"
[ "$(stat -c %a "$bak")" = 600 ] && ok "the backup is mode 0600" ||
    not_ok "the backup is mode 0600"
"$TLVSIGN" param get backup-required >"$T/out"
contains "a backup clears backup-required" "$T/out" "false"
refuse "a backup never overwrites a file" 1 "$TLVSIGN" backup create --out "$bak"
run "backup create in the backup directory" "$TLVSIGN" backup create
ls "$A/state/backups/"testcluster-*.tlvbak >/dev/null 2>&1 &&
    ok "default name in [backup] directory" ||
    not_ok "default name in [backup] directory"
run "backup list" "$TLVSIGN" backup list
contains "lists the backup" "$T/out" "b1.tlvbak"
"$TLVSIGN" --json backup list >"$T/out"
contains "json list has the SHA-256" "$T/out" "\"sha256\": \"$sum\""
"$TLVSIGN" audit show >"$T/out"
contains "audited" "$T/out" "backup.create"
grep -rq "correct horse" "$T/out" "$A/state" && not_ok "the passphrase is nowhere" ||
    ok "the passphrase is nowhere"
grep -q "BEGIN PRIVATE\|PRIVATE KEY" "$bak" && not_ok "no plaintext key in the file" ||
    ok "no plaintext key in the file"

# ---- verify, inspect: no secret ----
run "backup verify" env -u TLVSIGN_BACKUP_PASSPHRASE_FILE "$TLVSIGN" backup verify "$bak"
contains "intact" "$T/out" "backup intact"
contains "signer matches the published ITL" "$T/out" "published ITL $A/tftp/ITLFile.tlv: yes"
run "verify --cert" "$TLVSIGN" backup verify "$bak" --cert "$A/itlrecovery.pem"
run "verify --itl" "$TLVSIGN" backup verify "$bak" --itl "$A/tftp/ITLFile.tlv"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$A/other.key" \
    -subj /CN=other -days 1 -out "$A/other.pem" 2>/dev/null
refuse "verify --cert of another signer" 1 "$TLVSIGN" backup verify "$bak" --cert "$A/other.pem"
contains "says who did not sign" "$T/err" "not signed by the ITLRecovery certificate"
run "backup inspect" "$TLVSIGN" backup inspect "$bak"
contains "inspect: the CSR key" "$T/out" "csr"
contains "inspect: the retired key" "$T/out" "retired"
contains "inspect: KDF" "$T/out" "600000 iterations"
"$TLVSIGN" --json backup inspect "$bak" >"$T/out"
contains "json: key count" "$T/out" '"key_count": 8'
contains "json: intact" "$T/out" '"intact": true'

# ---- the auditor: openssl alone ----
run "backup-audit (openssl only)" sh "$top_srcdir/scripts/backup-audit" "$bak" "$A/itlrecovery.pem"
contains "auditor: signature" "$T/out" "manifest signature: verified"
contains "auditor: digests" "$T/out" "wrapped keys: 8, every SHA-256 matches"
refuse "backup-audit: another signer" 1 sh "$top_srcdir/scripts/backup-audit" "$bak" "$A/other.pem"

# ---- altered files ----
size=$(stat -c %s "$bak")
bad=0
for n in 0 1 2 10 100 1000 $((size / 2)) $((size - 33)) $((size - 1)); do
	head -c "$n" "$bak" >"$A/cut.tlvbak"
	"$TLVSIGN" backup verify "$A/cut.tlvbak" >/dev/null 2>"$T/err"
	[ $? -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] || { bad=1; echo "# cut $n"; }
done
[ $bad -eq 0 ] && ok "truncated backups refused with one line" ||
    not_ok "truncated backups refused with one line"
bad=0
step=$((size / 40))
pos=0
while [ $pos -lt "$size" ]; do
	cp "$bak" "$A/flip.tlvbak"
	b=$(od -An -tu1 -j $pos -N1 "$bak" | tr -d ' ')
	printf "$(printf '\\%03o' $(((b + 1) % 256)))" |
	    dd of="$A/flip.tlvbak" bs=1 seek=$pos conv=notrunc 2>/dev/null
	"$TLVSIGN" backup verify "$A/flip.tlvbak" >/dev/null 2>"$T/err"
	[ $? -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] || { bad=1; echo "# flip $pos"; }
	sh "$top_srcdir/scripts/backup-audit" "$A/flip.tlvbak" >/dev/null 2>&1 &&
	    { bad=1; echo "# backup-audit missed flip $pos"; }
	pos=$((pos + step))
done
[ $bad -eq 0 ] && ok "a changed byte anywhere is detected (tlvsign and backup-audit)" ||
    not_ok "a changed byte anywhere is detected (tlvsign and backup-audit)"

# ---- restore test: a scratch token, never the production one ----
before=$(object_count)
run "verify --restore-test" "$TLVSIGN" backup verify --restore-test "$bak"
contains "every key proved" "$T/out" "proved by a signature"
TLVSIGN_BACKUP_PASSPHRASE_FILE=$A/wrong refuse "restore test: wrong passphrase" 1 \
    "$TLVSIGN" backup verify --restore-test "$bak"
contains "says wrong passphrase" "$T/err" "wrong backup passphrase"
[ "$(object_count)" -eq "$before" ] && ok "the production token is untouched" ||
    not_ok "the production token is untouched"
ls "${TMPDIR:-/tmp}"/tlvsign-restore-test.* >/dev/null 2>&1 &&
    not_ok "the scratch token is destroyed" || ok "the scratch token is destroyed"

# ---- restore into a fresh token ----
setup_token || echo "Bail out! second token"
B=$T
T=$A      # keep $T/out etc. in one place
export TLVSIGN_CONF=$B/tlvsign.conf SOFTHSM2_CONF=$B/hsm/softhsm2.conf
fresh() {
	[ "$(object_count)" -eq 0 ] && [ ! -e "$B/state/inventory.db" ] &&
	    [ ! -e "$B/tftp/ITLFile.tlv" ]
}
TLVSIGN_BACKUP_PASSPHRASE_FILE=$A/wrong refuse "restore: wrong passphrase" 1 \
    "$TLVSIGN" backup restore "$bak"
fresh && ok "wrong passphrase: token and state untouched" ||
    not_ok "wrong passphrase: token and state untouched"
refuse "restore: a truncated file" 1 "$TLVSIGN" backup restore "$A/cut.tlvbak"
refuse "restore: an altered file" 1 "$TLVSIGN" backup restore "$A/flip.tlvbak"
fresh && ok "bad files: token and state untouched" ||
    not_ok "bad files: token and state untouched"
sed 's/^name = testcluster/name = othercluster/' "$B/tlvsign.conf" >"$B/other.conf"
refuse "restore: a backup of another cluster" 1 \
    "$TLVSIGN" --config "$B/other.conf" backup restore "$bak"
contains "names both clusters" "$T/err" 'backup of cluster "testcluster", this is cluster "othercluster"'
if faults_built; then
	for point in token_unwrap@1 token_unwrap@4 token_store_cert restore_commit; do
		TLVSIGN_FAULT=$point refuse "restore: the token fails ($point)" 1 \
		    "$TLVSIGN" backup restore "$bak"
		fresh && ok "$point: token and state untouched" ||
		    not_ok "$point: token and state untouched"
	done
else
	skip "fault injection not built (--enable-fault-injection)"
fi
run "backup restore" "$TLVSIGN" backup restore "$bak"
contains "restored every key" "$T/out" "8 keys unwrapped into the token"
contains "republished ITL and CTL" "$T/out" "2 trust files republished"
"$TLVSIGN" --json cert list >"$B/certs.json"
cmp -s "$A/certs.json" "$B/certs.json" && ok "the certificates are back, identical" ||
    not_ok "the certificates are back, identical"
run "the republished ITL verifies" "$TLVSIGN" show itl
run "the republished CTL verifies" "$TLVSIGN" show ctl
"$TLVSIGN" --json token status >"$T/out"
grep -q '"extractable": true' "$T/out" && grep -q '"sensitive": true' "$T/out" &&
    ok "restored keys are sensitive, extractable only wrapped" ||
    not_ok "restored keys are sensitive, extractable only wrapped"
run "itl build with the restored ITLRecovery" "$TLVSIGN" itl build
"$TLVSIGN" --json show itl >"$T/out"
serial=$(openssl x509 -in "$A/itlrecovery.pem" -noout -serial | sed 's/serial=//')
grep -qi "$(echo "$serial" | sed 's/../&:/g; s/:$//')" "$T/out" &&
    ok "the ITL is signed by the backed-up ITLRecovery" ||
    not_ok "the ITL is signed by the backed-up ITLRecovery"
echo "<device/>" >"$B/SEP001122334455.cnf.xml"
run "sign with the restored CallManager key" "$TLVSIGN" sign "$B/SEP001122334455.cnf.xml"
run "the backed-up CallManager certificate verifies it" "$TLVSIGN" show sgn \
    "$B/SEP001122334455.cnf.xml.sgn" --cert "$A/cm.pem"
run "the restored inventory's audit log verifies" "$TLVSIGN" audit verify
"$TLVSIGN" audit show >"$T/out"
contains "the restore is audited" "$T/out" "backup.restore"
contains "the history came along" "$T/out" "cert.regenerate"
refuse "restore into a token with keys" 1 "$TLVSIGN" backup restore "$bak"
contains "asks for --replace" "$T/err" "--replace"
refuse "--replace needs confirmation" 1 "$TLVSIGN" backup restore --replace "$bak"
run "restore --replace --yes" "$TLVSIGN" backup restore --replace --yes "$bak"
contains "keys already there" "$T/out" "8 already there"
run "remotekey reset from a backup" "$TLVSIGN" itl reset remotekey "$bak"
contains "signed by the backup's key" "$T/out" "ITLRecovery key of that file"

# ---- a backup of another cluster with the same name ----
setup_token || echo "Bail out! third token"
C=$T
T=$A
export TLVSIGN_CONF=$C/tlvsign.conf SOFTHSM2_CONF=$C/hsm/softhsm2.conf
"$TLVSIGN" init >/dev/null
"$TLVSIGN" cert generate ITLRecovery >/dev/null
"$TLVSIGN" backup create --out "$C/c.tlvbak" >/dev/null || echo "Bail out! backup C"
export TLVSIGN_CONF=$B/tlvsign.conf SOFTHSM2_CONF=$B/hsm/softhsm2.conf
count=$(object_count)
"$TLVSIGN" --json cert list >"$B/certs2.json"
refuse "restore: another cluster of the same name" 1 \
    "$TLVSIGN" backup restore --replace --yes "$C/c.tlvbak"
contains "says another cluster" "$T/err" "another cluster"
"$TLVSIGN" --json cert list >"$B/certs3.json"
[ "$(object_count)" -eq "$count" ] && cmp -s "$B/certs2.json" "$B/certs3.json" &&
    ok "another cluster: token and inventory untouched" ||
    not_ok "another cluster: token and inventory untouched"

done_testing
