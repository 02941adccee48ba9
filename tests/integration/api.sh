#!/bin/sh
# tlvsignd's HTTPS API on 127.0.0.1: mutual TLS with the tomcat key of the
# token; health without a client certificate; certificates, signing and the
# audit log by role (officer, publisher, auditor) for every role allowed
# and forbidden; 403 audited; JSON errors; roles reloaded on SIGHUP.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

TLVSIGND=$top_builddir/tlvsignd

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }
"$TLVSIGN" init >/dev/null
for p in ITLRecovery CallManager TVS tomcat; do
	"$TLVSIGN" cert generate "$p" >/dev/null || echo "Bail out! generate $p"
done
"$TLVSIGN" cert export tomcat >"$T/tomcat.pem"
for who in officer publisher auditor stranger; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/$who.key" -subj "/CN=$who" -days 30 \
	    -out "$T/$who.pem" 2>/dev/null || echo "Bail out! openssl req"
done
fp() { openssl x509 -in "$T/$1.pem" -noout -fingerprint -sha256 | sed 's/.*=//'; }
cp "$T/tlvsign.conf" "$T/base.conf"
api_conf() {
	{ cat "$T/base.conf"; printf '\n[tvs]\nlisten = 127.0.0.1:0\n\n[api]\nlisten = 127.0.0.1:0\n'; cat; } \
	    >"$T/tlvsign.conf"
}
# colons and upper case as openssl prints them; lower case without colons
printf 'officer = %s\npublisher = %s\nauditor = %s\n' "$(fp officer)" \
    "$(fp publisher | tr -d : | tr A-F a-f)" "$(fp auditor)" | api_conf

run "--check-config" "$TLVSIGND" --check-config
printf 'officer = %s\nauditor = %s\n' "$(fp officer)" "$(fp officer)" >"$T/roles"
api_conf <"$T/roles"
refuse "--check-config: one certificate, two roles" 1 "$TLVSIGND" --check-config
contains "says so" "$T/err" "one role per certificate"
printf 'officer = 12:34\n' | api_conf
refuse "--check-config: not a fingerprint" 1 "$TLVSIGND" --check-config
printf 'officer = %s\npublisher = %s\nauditor = %s\n' "$(fp officer)" \
    "$(fp publisher | tr -d : | tr A-F a-f)" "$(fp auditor)" | api_conf

LOG=$T/daemon.log
"$TLVSIGND" 2>"$LOG" &
DPID=$!
i=0
PORT=
while [ $i -lt 100 ] && [ -z "$PORT" ]; do
	PORT=$(sed -n 's/.*API listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$LOG")
	sleep 0.1
	i=$((i + 1))
done
[ -n "$PORT" ] && ok "tlvsignd starts the API" ||
    { cat "$LOG"; echo "Bail out! no API"; exit 1; }
contains "with three client roles" "$LOG" "(3 clients with a role)"

# call WHO METHOD PATH [curl args]: the status in $T/code, the body in $T/body
call() {
	who=$1 method=$2 path=$3
	shift 3
	if [ "$who" = none ]; then set -- "$@"; else
		set -- --cert "$T/$who.pem" --key "$T/$who.key" "$@"; fi
	curl -sS -k -X "$method" -o "$T/body" -w '%{http_code}' "$@" \
	    "https://127.0.0.1:$PORT$path" >"$T/code" 2>"$T/err"
}
expect() {
	desc=$1 want=$2
	got=$(cat "$T/code")
	if [ "$got" = "$want" ]; then ok "$desc"; else
		{ echo "HTTP $got, want $want"; cat "$T/body"; } >"$T/err"
		not_ok "$desc"
	fi
}

# the server's key is the token's tomcat key
curl -sS --cacert "$T/tomcat.pem" --resolve "cucm-pub.example.test:$PORT:127.0.0.1" \
    "https://cucm-pub.example.test:$PORT/v1/health" >"$T/body" 2>"$T/err" &&
    ok "the server presents the tomcat certificate" ||
    not_ok "the server presents the tomcat certificate"
call none GET /v1/health
expect "health without a client certificate: 200" 200
contains "health: ok" "$T/body" '"status": "ok"'
call none GET /v1/certificates
expect "certificates without a client certificate: 401" 401
contains "a JSON error" "$T/body" '"error": "unauthorized"'

# certificates: every role
for who in officer publisher auditor; do
	call $who GET /v1/certificates
	expect "certificates as $who: 200" 200
	contains "certificates as $who: the CallManager certificate" "$T/body" '"purpose": "CallManager"'
done
call stranger GET /v1/certificates
expect "certificates with an unknown certificate: 403" 403
contains "a JSON error with a detail" "$T/body" '"detail": "GET /v1/certificates needs the role officer, publisher or auditor'
call auditor GET /v1/certificates/TVS
expect "one certificate: 200" 200
contains "the TVS certificate" "$T/body" '"purpose": "TVS"'
call auditor GET /v1/certificates/CAPF
expect "a purpose without a certificate: 404" 404
contains "not_found" "$T/body" '"error": "not_found"'

# signing: the publisher only
printf '<device><x>1</x></device>\n' >"$T/SEP001122334455.cnf.xml"
call publisher POST "/v1/sign?filename=SEP001122334455.cnf.xml" \
    --data-binary "@$T/SEP001122334455.cnf.xml" -H 'Content-Type: application/octet-stream'
expect "sign as publisher: 200" 200
cp "$T/body" "$T/SEP001122334455.cnf.xml.sgn"
run "the .sgn verifies" "$TLVSIGN" show sgn "$T/SEP001122334455.cnf.xml.sgn"
contains "verified" "$T/out" "The signed file was verified successfully."
contains "its internal name" "$T/out" "SEP001122334455.cnf.xml.sgn"
for who in officer auditor stranger; do
	call $who POST "/v1/sign?filename=a.xml" --data-binary "@$T/SEP001122334455.cnf.xml"
	expect "sign as $who: 403" 403
done
call none POST "/v1/sign?filename=a.xml" --data-binary "@$T/SEP001122334455.cnf.xml"
expect "sign without a client certificate: 401" 401
call publisher POST "/v1/sign" --data-binary "@$T/SEP001122334455.cnf.xml"
expect "sign without a file name: 400" 400
call publisher POST "/v1/sign?filename=../x" --data-binary "@$T/SEP001122334455.cnf.xml"
expect "sign with a path as the name: 400" 400
call publisher POST "/v1/sign?filename=empty.xml" --data-binary ""
expect "sign an empty body: 400" 400
head -c 5000000 /dev/zero >"$T/big"
call publisher POST "/v1/sign?filename=big.xml" --data-binary "@$T/big"
expect "a body over 4 MiB: 413" 413

# batch signing: JSON in, JSON out
d1=$(base64 -w0 "$T/SEP001122334455.cnf.xml")
printf '{"files": [{"filename": "SEPAAAAAAAAAAAA.cnf.xml", "data": "%s"}, {"filename": "SEPBBBBBBBBBBBB.cnf.xml", "data": "%s"}]}' \
    "$d1" "$d1" >"$T/batch.json"
call publisher POST /v1/sign/batch --data-binary "@$T/batch.json" -H 'Content-Type: application/json'
expect "batch sign as publisher: 200" 200
sed -n 's/.*"sgn": "\(.*\)".*/\1/p' "$T/body" | sed -n 2p | base64 -d >"$T/b.sgn"
run "the second .sgn of the batch verifies" "$TLVSIGN" show sgn "$T/b.sgn"
contains "under its own name" "$T/out" "SEPBBBBBBBBBBBB.cnf.xml.sgn"
call auditor POST /v1/sign/batch --data-binary "@$T/batch.json"
expect "batch sign as auditor: 403" 403
printf '{"files": [{"filename": "a.xml", "data": "%s"}, {"filename": "a.xml", "data": "%s"}]}' \
    "$d1" "$d1" >"$T/batch2.json"
call publisher POST /v1/sign/batch --data-binary "@$T/batch2.json"
expect "a batch naming a file twice: 400" 400
contains "says which" "$T/body" "file 2"
printf '{"files": [{"filename": "a.xml", "data": "%s"' "$d1" >"$T/batch3.json"
call publisher POST /v1/sign/batch --data-binary "@$T/batch3.json"
expect "a truncated batch: 400" 400
contains "JSON error" "$T/body" '"error": "bad_request"'
call publisher POST /v1/sign/batch --data-binary '{"files": [{"filename": "a", "data": "YQ==", "mode": 1}]}'
expect "a batch with an unknown member: 400" 400

# nodes
call auditor GET /v1/nodes
expect "nodes as auditor: 200" 200
contains "the publisher node" "$T/body" '"host": "cucm-pub"'

# trust files: read by every role, published by the officer
call officer POST /v1/itl/build
expect "itl build as officer: 200" 200
contains "the ITL's records" "$T/body" '"records": '
call publisher POST /v1/itl/build
expect "itl build as publisher: 403" 403
call auditor GET /v1/itl
expect "the published ITL as auditor: 200" 200
sha=$(sha256sum "$T/tftp/ITLFile.tlv" | cut -d' ' -f1)
contains "its SHA-256 is the file's" "$T/body" "\"sha256\": \"$sha\""
call auditor GET /v1/ctl
expect "no CTL published yet: 404" 404
call officer POST /v1/ctl/update
expect "ctl update before mixed mode: 404" 404
contains "with what to do" "$T/body" "set the cluster security mode first"
call officer POST "/v1/ctl/set-cluster?mode=mixed"
expect "set-cluster with a bad mode: 400" 400
call officer POST "/v1/ctl/set-cluster?mode=mixed-mode"
expect "ctl set-cluster mixed-mode as officer: 200" 200
"$TLVSIGN" param get security-mode >"$T/out"
contains "the cluster is in mixed mode" "$T/out" "mixed"
call officer POST /v1/ctl/update
expect "ctl update in mixed mode: 200" 200
call officer POST /v1/ctl/reset-localkey
expect "ctl reset localkey as officer: 200" 200
contains "signed by the CallManager key" "$T/body" '"signer": "CN=cucm-pub.example.test;'
call officer POST /v1/itl/reset-localkey
expect "itl reset localkey as officer: 200" 200
contains "the ITL is signed by the CallManager key" "$T/body" '"signer": "CN=cucm-pub.example.test;'
call officer POST /v1/itl/build
expect "itl build again: 200" 200
call officer POST /v1/ctl/update
expect "ctl update again: 200" 200
call publisher GET /v1/ctl
expect "the published CTL: 200" 200
contains "a CTL" "$T/body" '"kind": "CTL"'

# the phone-trust check on uploaded files
itl=$(base64 -w0 "$T/tftp/ITLFile.tlv")
printf '{"to": "%s"}' "$itl" >"$T/check1.json"
call auditor POST /v1/check --data-binary "@$T/check1.json"
expect "check: a phone with nothing: 200" 200
contains "accepted by rule 1" "$T/body" '"rule": 1'
printf '{"from": "%s", "to": "%s"}' "$itl" "$itl" >"$T/check2.json"
call publisher POST /v1/check --data-binary "@$T/check2.json"
expect "check: the same ITL again: 200" 200
contains "accepted" "$T/body" '"accepted": true'
sed -e 's/^name = testcluster/name = clusterb/' \
    -e 's/^state-dir = state/state-dir = stateb/' \
    -e 's/^tftp-dir = tftp/tftp-dir = tftpb/' \
    -e 's/^hostname = cucm-pub/hostname = cucm-b/' "$T/base.conf" >"$T/b.conf"
{ "$TLVSIGN" --config "$T/b.conf" init && "$TLVSIGN" --config "$T/b.conf" cert generate ITLRecovery &&
    "$TLVSIGN" --config "$T/b.conf" cert generate CallManager &&
    "$TLVSIGN" --config "$T/b.conf" itl build; } >/dev/null || echo "Bail out! cluster B"
printf '{"from": "%s", "to": "%s"}' "$itl" "$(base64 -w0 "$T/tftpb/ITLFile.tlv")" >"$T/check3.json"
call officer POST /v1/check --data-binary "@$T/check3.json"
expect "check: another cluster's ITL: 200" 200
contains "rejected" "$T/body" '"accepted": false'
contains "by rule 4" "$T/body" '"rule": 4'
contains "with a safe sequence" "$T/body" '"advice": '
printf '{"to": "AAAA"}' >"$T/check4.json"
call auditor POST /v1/check --data-binary "@$T/check4.json"
expect "check: not a trust list: 400" 400
contains "names the member" "$T/body" '"detail": "to: '
call stranger POST /v1/check --data-binary "@$T/check1.json"
expect "check with an unknown certificate: 403" 403

# the audit log: auditor and officer
call auditor GET /v1/audit
expect "audit as auditor: 200" 200
contains "the signature is audited" "$T/body" '"operation": "config.sign"'
contains "by the API's publisher" "$T/body" '"actor": "api:publisher:'
contains "the refusals are audited" "$T/body" '"operation": "api.forbidden"'
contains "with who and why" "$T/body" "POST /v1/sign needs the role publisher; client certificate"
call officer GET /v1/audit/verify
expect "audit verify as officer: 200" 200
contains "intact" "$T/body" '"intact": true'
call publisher GET /v1/audit
expect "audit as publisher: 403" 403
call auditor GET "/v1/audit?since=soon"
expect "audit with a bad since: 400" 400
n=$("$TLVSIGN" audit show | grep -c "api.forbidden")
[ "$n" -eq 8 ] && ok "each of the eight 403s is in the audit log" || not_ok "every 403 is in the audit log ($n)"
run "the audit log verifies" "$TLVSIGN" audit verify

# backups: made and listed by the officer, checked by auditor and officer
call officer POST /v1/backups
expect "a backup without a configured passphrase-file: 409" 409
contains "says what to configure" "$T/body" "[backup] passphrase-file"
umask 077
echo "the service's backup passphrase" >"$T/bpass"
umask 022
printf 'officer = %s\npublisher = %s\nauditor = %s\n\n[backup]\npassphrase-file = %s\n' \
    "$(fp officer)" "$(fp publisher)" "$(fp auditor)" "$T/bpass" | api_conf
n0=$(grep -c "reloaded:" "$LOG")
kill -HUP "$DPID"
i=0
while [ $i -lt 50 ] && [ "$(grep -c "reloaded:" "$LOG")" -eq "$n0" ]; do
	sleep 0.1
	i=$((i + 1))
done
call officer POST /v1/backups
expect "backup as officer: 201" 201
contains "names the keys" "$T/body" '"keys": 4'
bfile=$(sed -n 's/.*"file": "\(.*\)".*/\1/p' "$T/body")
[ -s "$bfile" ] && ok "the backup is in the backup directory" ||
    not_ok "the backup is in the backup directory"
call officer GET /v1/backups
expect "backup list as officer: 200" 200
contains "lists it" "$T/body" "$(basename "$bfile")"
call auditor GET /v1/backups
expect "backup list as auditor: 403" 403
call publisher POST /v1/backups
expect "backup as publisher: 403" 403
call auditor POST /v1/backups/verify --data-binary "@$bfile"
expect "verify as auditor: 200" 200
contains "intact" "$T/body" '"intact": true'
contains "signer matches the published ITL" "$T/body" '"signer_matches": true'
call officer POST /v1/backups/inspect --data-binary "@$bfile"
expect "inspect as officer: 200" 200
contains "lists the keys" "$T/body" '"label": "ITLRecovery@cucm-pub"'
cp "$bfile" "$T/flipped.tlvbak"
printf 'X' | dd of="$T/flipped.tlvbak" bs=1 seek=200 conv=notrunc 2>/dev/null
call auditor POST /v1/backups/verify --data-binary "@$T/flipped.tlvbak"
expect "an altered backup: 409" 409
contains "error and detail" "$T/body" '"error": "verification_failed"'
call publisher POST /v1/backups/verify --data-binary "@$bfile"
expect "verify as publisher: 403" 403
call none POST /v1/backups/verify --data-binary "@$bfile"
expect "verify without a client certificate: 401" 401
call auditor GET /v1/backups/verify
expect "verify with GET: 405" 405
"$TLVSIGN" audit show >"$T/out"
contains "the backup is audited with the API's officer" "$T/out" "api:officer:"

# signing in parallel: every request answered with its own file, each
# signature audited once
n_before=$("$TLVSIGN" audit show | grep -c config.sign)
pids=
i=0
while [ $i -lt 24 ]; do
	i=$((i + 1))
	printf '<device>%d</device>\n' "$i" >"$T/par$i.xml"
	curl -sS -k --cert "$T/publisher.pem" --key "$T/publisher.key" \
	    -o "$T/par$i.sgn" -w '%{http_code}' --data-binary "@$T/par$i.xml" \
	    "https://127.0.0.1:$PORT/v1/sign?filename=SEP$(printf '%012d' $i).cnf.xml" \
	    >"$T/par$i.code" 2>/dev/null &
	pids="$pids $!"
done
wait_all=0
for p in $pids; do wait "$p" || wait_all=1; done
bad=0
i=0
while [ $i -lt 24 ]; do
	i=$((i + 1))
	[ "$(cat "$T/par$i.code")" = 200 ] &&
	    "$TLVSIGN" strip "$T/par$i.sgn" --out "$T/par$i.back" >/dev/null 2>&1 &&
	    cmp -s "$T/par$i.xml" "$T/par$i.back" &&
	    "$TLVSIGN" show sgn "$T/par$i.sgn" 2>/dev/null |
	    grep -q "SEP$(printf '%012d' $i).cnf.xml.sgn" || bad=$((bad + 1))
done
[ $bad -eq 0 ] && [ $wait_all -eq 0 ] &&
    ok "24 signing requests at once: each gets its own file, signed" ||
    not_ok "24 signing requests at once: each gets its own file, signed ($bad wrong)"
n_after=$("$TLVSIGN" audit show | grep -c config.sign)
[ $((n_after - n_before)) -eq 24 ] && ok "each of them audited once" ||
    not_ok "each of them audited once ($n_before -> $n_after)"

# a certificate regenerated by the command, while the service runs: the
# next signature is by the new key
call publisher POST "/v1/sign?filename=before.xml" --data-binary "@$T/SEP001122334455.cnf.xml"
cp "$T/body" "$T/before.sgn"
"$TLVSIGN" cert regenerate CallManager >/dev/null 2>&1 ||
    echo "# cannot regenerate CallManager"
call publisher POST "/v1/sign?filename=after.xml" --data-binary "@$T/SEP001122334455.cnf.xml"
expect "sign after the CallManager certificate changed: 200" 200
cp "$T/body" "$T/after.sgn"
s1=$("$TLVSIGN" --json show sgn "$T/before.sgn" | sed -n 's/.*"serial_number": "\(.*\)".*/\1/p' | head -1)
s2=$("$TLVSIGN" --json show sgn "$T/after.sgn" | sed -n 's/.*"serial_number": "\(.*\)".*/\1/p' | head -1)
[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" != "$s2" ] &&
    ok "signed with the new certificate, not a remembered one" ||
    not_ok "signed with the new certificate, not a remembered one ($s1, $s2)"
run "and it verifies" "$TLVSIGN" show sgn "$T/after.sgn"

# other mistakes
call auditor GET /v1/nothing
expect "unknown endpoint: 404" 404
contains "JSON" "$T/body" '"error": "not_found"'
call auditor POST /v1/certificates --data-binary x
expect "wrong method: 405" 405
call auditor DELETE /v1/certificates
[ "$(cat "$T/code")" -ge 400 ] && ok "a method the API never takes is refused" ||
    not_ok "a method the API never takes is refused"

# SIGHUP: new roles
printf 'officer = %s\npublisher = %s\nauditor = %s, %s\n' "$(fp officer)" \
    "$(fp publisher)" "$(fp auditor)" "$(fp stranger)" | api_conf
kill -HUP "$DPID"
i=0
while [ $i -lt 50 ] && ! grep -q "4 API clients" "$LOG"; do sleep 0.1; i=$((i + 1)); done
call stranger GET /v1/audit
expect "after SIGHUP the new auditor reads the audit log" 200

# SIGTERM while signatures are in flight: every answer that arrives is
# whole; the service exits 0
pids=
i=0
while [ $i -lt 32 ]; do
	i=$((i + 1))
	curl -sS -k --cert "$T/publisher.pem" --key "$T/publisher.key" \
	    -o "$T/term$i.sgn" -w '%{http_code}' --data-binary "@$T/par1.xml" \
	    "https://127.0.0.1:$PORT/v1/sign?filename=term$i.xml" \
	    >"$T/term$i.code" 2>/dev/null &
	pids="$pids $!"
done
# the first answer is in: the others are on their way
i=0
while [ $i -lt 100 ] && ! grep -qs 200 "$T"/term*.code; do
	sleep 0.05
	i=$((i + 1))
done
kill -TERM "$DPID"
wait "$DPID"
rc=$?
for p in $pids; do wait "$p"; done
[ "$rc" -eq 0 ] && ok "SIGTERM: exit status 0" || not_ok "SIGTERM: exit status 0 ($rc)"
whole=0 broken=0
i=0
while [ $i -lt 32 ]; do
	i=$((i + 1))
	case $(cat "$T/term$i.code") in
	200) if "$TLVSIGN" show sgn "$T/term$i.sgn" >/dev/null 2>&1; then
		whole=$((whole + 1)); else broken=$((broken + 1)); fi ;;
	000|503) ;;
	*) broken=$((broken + 1)) ;;
	esac
done
[ $broken -eq 0 ] && [ $whole -gt 0 ] &&
    ok "SIGTERM under signing load: $whole answers, all whole" ||
    not_ok "SIGTERM under signing load: $whole whole, $broken broken"
bad=$(grep -cv '^<[0-7]>' "$LOG")
[ "$bad" -eq 0 ] && ok "every log line has a priority prefix" ||
    not_ok "every log line has a priority prefix ($bad)"

done_testing
