#!/bin/sh
# tlvsignd's HTTPS API on 127.0.0.1: mutual TLS with the tomcat key of the
# token; health without a client certificate; certificates, signing and the
# audit log by role (officer, publisher, auditor) for every role allowed
# and forbidden; 403 audited; JSON errors; roles reloaded on SIGHUP; the
# officer's certificates, nodes, bulk certificates and remotekey resets,
# where no refusal changes anything and no passphrase is kept (not even
# in the service's memory); a new tomcat certificate served at once,
# without a reload; the audit log synced off the event loop.
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
# its temporary files (bulk archives) where the test can see them
mkdir "$T/dtmp"
TMPDIR=$T/dtmp "$TLVSIGND" 2>"$LOG" &
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
# sign_bg FILE NAME OUT: POST /v1/sign in the background as the
# publisher; the .sgn in OUT.sgn, the status in OUT.code, the pid added to
# $pids
sign_bg() {
	curl -sS -k --cert "$T/publisher.pem" --key "$T/publisher.key" \
	    -o "$3.sgn" -w '%{http_code}' --data-binary "@$1" \
	    "https://127.0.0.1:$PORT/v1/sign?filename=$2" >"$3.code" 2>/dev/null &
	pids="$pids $!"
}
n_before=$("$TLVSIGN" audit show | grep -c config.sign)
pids=
i=0
while [ $i -lt 24 ]; do
	i=$((i + 1))
	printf '<device>%d</device>\n' "$i" >"$T/par$i.xml"
	sign_bg "$T/par$i.xml" "SEP$(printf '%012d' $i).cnf.xml" "$T/par$i"
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

# checkpoints of the audit log: at most one a second while signing, and
# one after a burst, so that no more than 24 entries stay unsigned
# (two batches of 30 at once: the second comes within the second after
# the first one's checkpoint)
d1=$(base64 -w0 "$T/par1.xml")
{ printf '{"files": ['
  i=0
  while [ $i -lt 30 ]; do
	i=$((i + 1))
	[ $i -gt 1 ] && printf ', '
	printf '{"filename": "burst%d.xml", "data": "%s"}' $i "$d1"
  done
  printf ']}'; } >"$T/burst.json"
"$TLVSIGN" audit checkpoint >/dev/null
for k in 1 2; do
	call publisher POST /v1/sign/batch --data-binary "@$T/burst.json"
	expect "a batch of 30 ($k)" 200
done
sleep 2
"$TLVSIGN" --json audit verify >"$T/out"
entries=$(sed -n 's/.*"entries": \([0-9]*\).*/\1/p' "$T/out")
last=$(sed -n 's/.*"last_checkpoint": \([0-9]*\).*/\1/p' "$T/out")
[ -n "$entries" ] && [ -n "$last" ] && [ $((entries - last)) -lt 25 ] &&
    ok "after two bursts of signatures the audit log is checkpointed" ||
    not_ok "after two bursts of signatures the audit log is checkpointed ($last of $entries)"
contains "and intact" "$T/out" '"intact": true'

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

# ---- the officer's endpoints: certificates, nodes, bulk, remotekey ----
# What a refused request must leave alone: the inventory's certificates,
# nodes and imported certificates, the token's objects, the published ITL.
state() {
	{ "$TLVSIGN" cert list; "$TLVSIGN" node list; "$TLVSIGN" cert bulk list
	  echo "token objects: $(object_count)"
	  sha256sum "$T/tftp/ITLFile.tlv"; } >"$T/state.$1" 2>&1
}
unchanged() {
	state after
	if cmp -s "$T/state.before" "$T/state.after"; then ok "$1"; else
		diff "$T/state.before" "$T/state.after" >"$T/err"
		not_ok "$1"
	fi
}
# a JSON string of a file's text
jstr() { awk '{ printf "%s\\n", $0 }' "$1"; }
field() { sed -n "s/.*\"$1\": \"\\([^\"]*\\)\".*/\\1/p" "$T/body" | head -1; }
number() { sed -n "s/.*\"$1\": \\([0-9]*\\).*/\\1/p" "$T/body" | head -1; }

# every role but the officer's is refused, and a refusal changes nothing
d1=$(base64 -w0 "$T/tftp/ITLFile.tlv")
printf '{"host": "cucm-sub7", "ipv4": "192.0.2.17", "services": "TVS"}' >"$T/node7.json"
printf '{"file": "%s", "passphrase": "not-the-passphrase"}' "$d1" >"$T/rk0.json"
state before
n0=$("$TLVSIGN" audit show | grep -c "api.forbidden")
for ep in "POST /v1/certificates/CAPF/generate {}" \
    "POST /v1/certificates/CAPF/regenerate {}" \
    "POST /v1/certificates/CAPF/csr {}" \
    "POST /v1/certificates/CAPF/import {}" \
    "POST /v1/nodes @$T/node7.json" "POST /v1/nodes/cucm-pub/remove -" \
    "GET /v1/bulk -" "GET /v1/bulk/export -" "POST /v1/bulk/import {}" \
    "POST /v1/itl/reset-remotekey @$T/rk0.json"; do
	set -- $ep
	m=$1 p=$2 b=$3
	[ "$b" = - ] && set -- || set -- --data-binary "$b"
	[ "$m" = GET ] && set --
	for who in publisher auditor; do
		call $who "$m" "$p" "$@"
		expect "$m $p as $who: 403" 403
	done
	call none "$m" "$p" "$@"
	expect "$m $p without a client certificate: 401" 401
done
call stranger POST /v1/certificates/CAPF/generate --data-binary '{}'
expect "generate with an unknown certificate: 403" 403
contains "the 403 names the role needed" "$T/body" "POST /v1/certificates/CAPF/generate needs the role officer"
unchanged "the refusals changed nothing"
"$TLVSIGN" audit show >"$T/out"
n=$(grep -c "api.forbidden" "$T/out")
[ "$n" -eq $((n0 + 21)) ] && ok "the 21 new 403s are audited" ||
    not_ok "the 21 new 403s are audited ($n0 -> $n)"
grep -q "not-the-passphrase" "$T/out" "$LOG" &&
    not_ok "a refused remotekey leaves no passphrase in the logs" ||
    ok "a refused remotekey leaves no passphrase in the logs"

# generate: 201, the new certificate, in the listing
call officer POST /v1/certificates/CAPF/generate --data-binary '{"years": 2}'
expect "generate CAPF as officer: 201" 201
contains "the new CAPF certificate" "$T/body" '"purpose": "CAPF"'
contains "active" "$T/body" '"state": "active"'
serial1=$(field serial)
nb=$(number not_before) na=$(number not_after)
days=$(( (na - nb) / 86400 ))
[ "$days" -ge 729 ] && [ "$days" -le 732 ] && ok "valid for the two years asked" ||
    not_ok "valid for the two years asked ($days days)"
call auditor GET /v1/certificates
contains "GET /v1/certificates lists it" "$T/body" "\"serial\": \"$serial1\""
"$TLVSIGN" cert list >"$T/out"
contains "tlvsign cert list shows it" "$T/out" "CAPF"
"$TLVSIGN" audit show >"$T/out"
contains "audited as cert.generate by the API's officer" "$T/out" "cert.generate"
state before
call officer POST /v1/certificates/CAPF/generate
expect "generate an active purpose again: 409" 409
contains "a conflict" "$T/body" '"error": "conflict"'
call officer POST /v1/certificates/Bogus/generate
expect "an unknown purpose: 400" 400
contains "says so" "$T/body" 'unknown purpose'
call officer POST '/v1/certificates/CA%2FPF/generate'
expect "a purpose that is no name: 400" 400
call officer POST /v1/certificates/CallManager-ECDSA/generate?node=nowhere
expect "an unknown node: 404" 404
call officer POST /v1/certificates/CallManager-ECDSA/generate?node=cucm-pub \
    --data-binary '{"node": "cucm-sub1"}'
expect "?node= and the body disagree: 400" 400
# malformed bodies, for a purpose that would be generated if they were ignored
for body in '{"years": ' '{"years": "2"}' '{"years": 2.0}' '{"bits": 256, "colour": 1}' \
    '[]' '{"force": true}' '{"years": 2, "years": 3}' '{"node": "a b"}'; do
	call officer POST /v1/certificates/CallManager-ECDSA/generate --data-binary "$body"
	expect "generate with $body: 400" 400
done
contains "a JSON error" "$T/body" '"error": "bad_request"'
call officer POST /v1/certificates/CallManager-ECDSA/generate --data-binary '{"force": true}'
contains "force: says where it is allowed" "$T/body" "--force on the appliance"
unchanged "the malformed bodies changed nothing: no certificate, no key"

# regenerate: a new serial
call officer POST /v1/certificates/CAPF/regenerate
expect "regenerate CAPF as officer: 200" 200
serial2=$(field serial)
[ -n "$serial2" ] && [ "$serial2" != "$serial1" ] && ok "regenerate: a new serial" ||
    not_ok "regenerate: a new serial ($serial1 -> $serial2)"
contains "regenerate: the serial it replaces" "$T/body" "\"replaced_serial\": \"$serial1\""
contains "regenerate: the CTL needs an update (mixed mode)" "$T/body" '"ctl_update_needed": true'
call auditor GET /v1/certificates/CAPF
contains "the active CAPF is the new one" "$T/body" "\"serial\": \"$serial2\""
state before
call officer POST /v1/certificates/ipsec/regenerate
expect "regenerate a purpose without a certificate: 404" 404
call officer POST /v1/certificates/CAPF/regenerate --data-binary '{"bits": "4096"}'
expect "regenerate with a malformed body: 400" 400
unchanged "a refused regeneration changed nothing"
call officer GET /v1/certificates/CAPF/regenerate
expect "regenerate with GET: 405" 405
call officer POST /v1/certificates/CAPF/frobnicate
expect "an unknown certificate action: 404" 404

# a CSR, and the CA-signed certificate imported
state before
call officer POST /v1/certificates/CAPF/csr --data-binary '{"sans": ["capf.example.test", "x y"]}'
expect "a CSR with a SAN that is no name: 400" 400
contains "names the SAN" "$T/body" '\"sans\" 2'
call officer POST /v1/certificates/CAPF/csr --data-binary '{"distribution": "cucm-pub", "node": "cucm-sub1"}'
expect "a CSR whose distribution and node disagree: 400" 400
unchanged "a refused CSR leaves no key in the token"
call officer POST /v1/certificates/CAPF/csr --data-binary '{"sans": ["capf.example.test"]}'
expect "CSR as officer: 201" 201
field pem | sed 's/\\n/\n/g' >"$T/capf.csr"
run "the CSR verifies" openssl req -in "$T/capf.csr" -verify -noout
openssl req -in "$T/capf.csr" -noout -text >"$T/out" 2>&1
contains "the CSR's CN is CAPF's" "$T/out" "CN = CAPF-"
contains "the CSR has the SAN asked" "$T/out" "DNS:capf.example.test"
"$TLVSIGN" --json token status >"$T/out"
contains "its key waits in the token" "$T/out" '"label": "CAPF@cucm-pub#csr"'
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" \
    -subj "/CN=tlvsign API Test CA" -days 30 2>/dev/null
printf 'keyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth, clientAuth\n' >"$T/ext"
openssl x509 -req -in "$T/capf.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
    -CAcreateserial -days 30 -extfile "$T/ext" -out "$T/capf.pem" 2>/dev/null ||
    echo "Bail out! the test CA cannot sign"
openssl req -newkey rsa:2048 -nodes -keyout "$T/other.key" -subj "/CN=cucm-pub.example.test" \
    -out "$T/other.csr" 2>/dev/null
openssl x509 -req -in "$T/other.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
    -CAcreateserial -days 30 -extfile "$T/ext" -out "$T/other.pem" 2>/dev/null
state before
printf '{"certificate": "%s", "chain": "%s"}' "$(jstr "$T/other.pem")" "$(jstr "$T/ca.pem")" >"$T/imp.json"
call officer POST /v1/certificates/CAPF/import --data-binary "@$T/imp.json"
expect "import a certificate for another key: 409" 409
contains "says it does not match" "$T/body" "does not match"
printf '{"certificate": "%s%s"}' "$(jstr "$T/capf.pem")" "$(jstr "$T/ca.pem")" >"$T/imp.json"
call officer POST /v1/certificates/CAPF/import --data-binary "@$T/imp.json"
expect "import with the chain in \"certificate\": 400" 400
printf '{"certificate": "%s", "chain": "%s", "key": "x"}' "$(jstr "$T/capf.pem")" "$(jstr "$T/ca.pem")" >"$T/imp.json"
call officer POST /v1/certificates/CAPF/import --data-binary "@$T/imp.json"
expect "import with an unknown member: 400" 400
call officer POST /v1/certificates/CAPF/import --data-binary '{"certificate": "MIIB"}'
expect "import of text that is not PEM: 400" 400
unchanged "the refused imports changed nothing"
printf '{"certificate": "%s", "chain": "%s"}' "$(jstr "$T/capf.pem")" "$(jstr "$T/ca.pem")" >"$T/imp.json"
call officer POST /v1/certificates/CAPF/import --data-binary "@$T/imp.json"
expect "import the CA-signed certificate: 200" 200
contains "issued by the CA" "$T/body" "CN=tlvsign API Test CA"
contains "it replaces the regenerated one" "$T/body" "\"replaced_serial\": \"$serial2\""
contains "with its chain" "$T/body" '"chain_length": 1'
"$TLVSIGN" cert show CAPF >"$T/out"
contains "cert show CAPF: the CA-signed certificate" "$T/out" "CN=tlvsign API Test CA"

# nodes: added and removed
state before
for body in '{"host": "cucm-sub8", "ipv4": "192.0.2.18"}' \
    '{"host": "cucm-sub8", "ipv4": "192.0.2.18", "services": "TVS", "ip": "192.0.2.18"}' \
    '{"host": "cucm-sub8", "ipv4": "192.0.2.18", "services": "TVS", "publisher": "no"}' \
    '{"host": "cucm-sub8", "ipv4": 3221225998, "services": "TVS"}' \
    '{"host": "cucm-sub8", "ipv4": "192.0.2.18", "services": "TVS"'; do
	call officer POST /v1/nodes --data-binary "$body"
	expect "node with a malformed body: 400" 400
done
call officer POST /v1/nodes --data-binary '{"host": "cucm-sub8", "ipv4": "192.0.2.300", "services": "TVS"}'
expect "node with an address that is not IPv4: 400" 400
contains "says which" "$T/body" "is not an IPv4 address"
call officer POST /v1/nodes --data-binary '{"host": "cucm-sub8", "ipv4": "192.0.2.18", "services": "TVS,Fax"}'
expect "node with an unknown service: 400" 400
call officer POST /v1/nodes --data-binary '{"host": "cucm-sub8", "ipv4": "192.0.2.18", "services": "TVS", "publisher": true}'
expect "a second publisher: 400" 400
unchanged "the refused nodes changed nothing"
call officer POST /v1/nodes --data-binary "@$T/node7.json"
expect "add a node as officer: 201" 201
contains "the node as stored" "$T/body" '"host": "cucm-sub7"'
contains "with the configured domain" "$T/body" '"domain": "example.test"'
call auditor GET /v1/nodes
contains "GET /v1/nodes shows it" "$T/body" '"host": "cucm-sub7"'
call officer POST /v1/nodes --data-binary "@$T/node7.json"
expect "the same node again: 409" 409
call officer POST /v1/nodes/cucm-pub/remove
expect "remove the publisher: 400" 400
call officer POST /v1/nodes/cucm-sub6/remove
expect "remove an unknown node: 404" 404
call officer POST /v1/nodes/cucm.sub7/remove
expect "remove with a path that is no host name: 400" 400
call officer GET /v1/nodes/cucm-sub7/remove
expect "remove with GET: 405" 405
call officer POST /v1/nodes/cucm-sub7/remove
expect "remove the node as officer: 200" 200
call auditor GET /v1/nodes
grep -q '"cucm-sub7"' "$T/body" && not_ok "GET /v1/nodes no longer shows it" ||
    ok "GET /v1/nodes no longer shows it"
"$TLVSIGN" audit show >"$T/out"
contains "node.add is audited" "$T/out" "node.add"
contains "node.remove is audited" "$T/out" "node.remove"

# bulk certificates: this cluster's exported, cluster B's imported
call officer GET "/v1/bulk/export?type=all"
expect "bulk export as officer: 200" 200
cp "$T/body" "$T/a-api.json"
contains "the archive" "$T/a-api.json" '"format": "tlvsign-bulk-certificates"'
"$TLVSIGN" cert bulk export --out "$T/a-cli.json" >/dev/null
grep -o '"sha256": "[0-9a-f]*"' "$T/a-api.json" | sort >"$T/s1"
grep -o '"sha256": "[0-9a-f]*"' "$T/a-cli.json" | sort >"$T/s2"
[ -s "$T/s1" ] && cmp -s "$T/s1" "$T/s2" && ok "the certificates of tlvsign cert bulk export" ||
    not_ok "the certificates of tlvsign cert bulk export"
call officer GET "/v1/bulk/export?type=itlrecovery"
n=$(grep -c '"sha256"' "$T/body")
[ "$n" -eq 1 ] && ok "bulk export ?type=itlrecovery: one certificate" ||
    not_ok "bulk export ?type=itlrecovery: one certificate ($n)"
call officer GET "/v1/bulk/export?type=tvs"
expect "bulk export with an unknown type: 400" 400
"$TLVSIGN" --config "$T/b.conf" cert bulk export --out "$T/b-bulk.json" >/dev/null ||
    echo "Bail out! cluster B export"
state before
head -c 300 "$T/b-bulk.json" >"$T/b-cut.json"
call officer POST /v1/bulk/import --data-binary "@$T/b-cut.json"
expect "import a truncated archive: 400" 400
call officer POST /v1/bulk/import --data-binary "@$T/a-api.json"
expect "import this cluster's own archive: 400" 400
contains "says so" "$T/body" "holds only this cluster's own certificates"
call officer POST /v1/bulk/import --data-binary ""
expect "import an empty body: 400" 400
unchanged "the refused imports changed nothing"
call officer POST /v1/bulk/import --data-binary "@$T/b-bulk.json"
expect "bulk import of cluster B as officer: 200" 200
contains "B's two certificates" "$T/body" '"imported": 2'
call officer GET /v1/bulk
expect "bulk list as officer: 200" 200
contains "lists B's certificates" "$T/body" '"cluster": "clusterb"'
contains "with their roles" "$T/body" '"SAST"'
n=$("$TLVSIGN" cert bulk list --json | grep -c '"sha256"')
[ "$n" -eq 2 ] && ok "tlvsign cert bulk list shows the two" || not_ok "tlvsign cert bulk list shows the two ($n)"
call officer POST /v1/bulk/import --data-binary "@$T/b-bulk.json"
contains "imported again: nothing new" "$T/body" '"already": 2'
[ -z "$(ls -A "$T/dtmp")" ] && ok "no archive left in the service's temporary directory" ||
    not_ok "no archive left in the service's temporary directory"
call officer POST /v1/bulk
expect "POST /v1/bulk: 405" 405

# the remotekey reset, from a PKCS#12 file and from a backup
umask 077
echo "p12 passphrase for the API" >"$T/p12pass"
umask 022
TLVSIGN_P12_PASS_FILE=$T/p12pass "$TLVSIGN" key export-p12 ITLRecovery --out "$T/rec.p12" --yes \
    >/dev/null || echo "Bail out! export-p12"
p12=$(base64 -w0 "$T/rec.p12")
bak=$(base64 -w0 "$bfile")
state before
printf '{"file": "%s", "passphrase": "wrong p12 passphrase 7"}' "$p12" >"$T/rk.json"
call officer POST /v1/itl/reset-remotekey --data-binary "@$T/rk.json"
expect "remotekey: a PKCS#12 with a wrong passphrase: 400" 400
contains "says the passphrase is wrong" "$T/body" "wrong passphrase"
printf '{"file": "%s", "passphrase": "wrong backup passphrase 7"}' "$bak" >"$T/rk.json"
call officer POST /v1/itl/reset-remotekey --data-binary "@$T/rk.json"
expect "remotekey: a backup with a wrong passphrase: 400" 400
contains "says the backup passphrase is wrong" "$T/body" "wrong backup passphrase"
# a raw tab ends the JSON string: jansson's message would quote it
printf '{"file": "%s", "passphrase": "tab-secret-7\t"}' "$p12" >"$T/rk.json"
call officer POST /v1/itl/reset-remotekey --data-binary "@$T/rk.json"
expect "remotekey: malformed JSON in the passphrase: 400" 400
grep -q "tab-secret" "$T/body" && not_ok "the error does not quote it" ||
    ok "the error does not quote it"
printf '{"file": "AAAA", "passphrase": "wrong p12 passphrase 7"}' >"$T/rk.json"
call officer POST /v1/itl/reset-remotekey --data-binary "@$T/rk.json"
expect "remotekey: a file that is neither: 400" 400
printf '{"file": "%s", "passphrase": "wrong p12 passphrase 7", "force": true}' "$p12" >"$T/rk.json"
call officer POST /v1/itl/reset-remotekey --data-binary "@$T/rk.json"
expect "remotekey: no --force over the network: 400" 400
unchanged "the refused resets changed nothing (no key left in the token)"
printf '{"file": "%s", "passphrase": "%s"}' "$p12" "$(cat "$T/p12pass")" >"$T/rk.json"
call officer POST /v1/itl/reset-remotekey --data-binary "@$T/rk.json"
expect "remotekey from the PKCS#12 as officer: 200" 200
contains "signed by the ITLRecovery key" "$T/body" '"signer": "CN=ITLRECOVERY_'
sha=$(sha256sum "$T/tftp/ITLFile.tlv" | cut -d' ' -f1)
contains "the published ITL" "$T/body" "\"sha256\": \"$sha\""
printf '{"file": "%s", "passphrase": "%s"}' "$bak" "$(cat "$T/bpass")" >"$T/rk.json"
call officer POST /v1/itl/reset-remotekey --data-binary "@$T/rk.json"
expect "remotekey from the backup as officer: 200" 200
call officer GET /v1/itl/reset-remotekey
expect "remotekey with GET: 405" 405
"$TLVSIGN" audit show >"$T/audit.txt"
for pass in "wrong p12 passphrase 7" "wrong backup passphrase 7" "tab-secret-7" \
    "$(cat "$T/p12pass")" "$(cat "$T/bpass")"; do
	if grep -qF "$pass" "$LOG" "$T/audit.txt" || grep -rqF "$pass" "$T/state"; then
		not_ok "\"$pass\" is neither in the log nor in the audit log nor in the state"
	else
		ok "\"$pass\" is neither in the log nor in the audit log nor in the state"
	fi
done
# nor in the service's memory: libevent's and jansson's buffers and
# OpenSSL's record buffers are wiped when freed, the service's own copies
# when done (the connections are closed by now)
sleep 0.5
for f in p12pass bpass; do
	"$top_builddir/tests/memscan" "$DPID" "$T/$f" >"$T/scan" 2>&1
	case $? in
	0) ok "the $f passphrase is not left in the service's memory" ;;
	77) skip "the $f passphrase is not left in the service's memory" \
	    "$(cat "$T/scan")" ;;
	*) cp "$T/scan" "$T/err"
	   not_ok "the $f passphrase is not left in the service's memory" ;;
	esac
done

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

# a new tomcat certificate is presented from the next connection on,
# without a reload: regenerated through the API, then by tlvsign
health() {
	curl -sS --cacert "$1" --resolve "cucm-pub.example.test:$PORT:127.0.0.1" \
	    "https://cucm-pub.example.test:$PORT/v1/health" >"$T/body" 2>"$T/err"
}
n0=$(grep -c "reloaded:" "$LOG")
call officer POST /v1/certificates/tomcat/regenerate
expect "regenerate tomcat as officer: 200" 200
contains "the reply says no reload is needed" "$T/body" '"reload_needed": false'
"$TLVSIGN" cert export tomcat >"$T/tomcat2.pem"
health "$T/tomcat2.pem" && ok "the API presents the new tomcat certificate at once" ||
    not_ok "the API presents the new tomcat certificate at once"
health "$T/tomcat.pem" && not_ok "and no longer the old one" ||
    ok "and no longer the old one"
contains "logged" "$LOG" "the HTTPS API presents the new tomcat certificate"
"$TLVSIGN" cert regenerate tomcat >/dev/null || echo "Bail out! regenerate tomcat"
"$TLVSIGN" cert export tomcat >"$T/tomcat3.pem"
i=0
while [ $i -lt 50 ] && ! health "$T/tomcat3.pem"; do sleep 0.1; i=$((i + 1)); done
health "$T/tomcat3.pem" &&
    ok "one regenerated by tlvsign is presented within seconds ($((i / 10)) s)" ||
    not_ok "one regenerated by tlvsign is presented within seconds"
[ "$(grep -c "reloaded:" "$LOG")" -eq "$n0" ] && ok "without a reload" ||
    not_ok "without a reload"
call auditor GET /v1/audit
expect "the API still answers on the new certificate" 200

# SIGTERM while signatures are in flight: every answer that arrives is
# whole; the service exits 0
pids=
i=0
while [ $i -lt 32 ]; do
	i=$((i + 1))
	sign_bg "$T/par1.xml" "term$i.xml" "$T/term$i"
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

# the audit log is synced off the event loop: a slow disk holds up the
# signatures waiting for it, not the rest of the service; a failed sync
# returns no signature
if faults_built; then
	start_faulty() {
		TLVSIGN_FAULT=$1 "$TLVSIGND" 2>"$LOG" &
		DPID=$!
		PORT=
		i=0
		while [ $i -lt 100 ] && [ -z "$PORT" ]; do
			sleep 0.1
			PORT=$(sed -n 's/.*API listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$LOG")
			i=$((i + 1))
		done
	}
	LOG=$T/faulty.log
	start_faulty wal_sync_slow
	pids=
	s0=$(date +%s%N)
	sign_bg "$T/par1.xml" slow.xml "$T/slow"
	sleep 0.3
	t0=$(date +%s%N)
	call none GET /v1/health
	t1=$(date +%s%N)
	expect "while a sync takes a second, health answers" 200
	[ $(((t1 - t0) / 1000000)) -lt 700 ] &&
	    ok "without waiting for the disk ($(((t1 - t0) / 1000000)) ms)" ||
	    not_ok "without waiting for the disk ($(((t1 - t0) / 1000000)) ms)"
	for p in $pids; do wait "$p"; done
	s1=$(date +%s%N)
	[ "$(cat "$T/slow.code")" = 200 ] && "$TLVSIGN" show sgn "$T/slow.sgn" >/dev/null 2>&1 &&
	    ok "the signature is answered" || not_ok "the signature is answered"
	[ $(((s1 - s0) / 1000000)) -ge 1000 ] &&
	    ok "once its audit entry is synced ($(((s1 - s0) / 1000000)) ms)" ||
	    not_ok "once its audit entry is synced ($(((s1 - s0) / 1000000)) ms)"
	# signatures finished while a sync runs wait for it, are audited
	# together after it and answered after the next; SIGTERM meanwhile
	# loses none of them
	n0=$("$TLVSIGN" audit show | grep -c config.sign)
	pids=
	sign_bg "$T/par1.xml" held0.xml "$T/held0"
	sleep 0.4
	i=0
	while [ $i -lt 6 ]; do
		i=$((i + 1))
		sign_bg "$T/par$i.xml" "held$i.xml" "$T/held$i"
	done
	sleep 0.3
	kill -TERM "$DPID"
	wait "$DPID"
	rc=$?
	for p in $pids; do wait "$p"; done
	whole=0
	i=0
	while [ $i -le 6 ]; do
		[ "$(cat "$T/held$i.code")" = 200 ] &&
		    "$TLVSIGN" show sgn "$T/held$i.sgn" >/dev/null 2>&1 &&
		    whole=$((whole + 1))
		i=$((i + 1))
	done
	[ $whole -eq 7 ] && [ "$rc" -eq 0 ] &&
	    ok "signatures held for a sync in progress: all 7 answered, SIGTERM exits 0" ||
	    not_ok "signatures held for a sync in progress: $whole of 7 answered (exit $rc)"
	n1=$("$TLVSIGN" audit show | grep -c config.sign)
	[ $((n1 - n0)) -eq 7 ] && ok "and all 7 audited" ||
	    not_ok "and all 7 audited ($((n1 - n0)))"
	"$TLVSIGN" audit verify >/dev/null 2>&1 && ok "the audit chain verifies" ||
	    not_ok "the audit chain verifies"
	start_faulty wal_sync
	call publisher POST "/v1/sign?filename=nosync.xml" --data-binary "@$T/par1.xml"
	expect "a failed sync: 500" 500
	contains "and no signature" "$T/body" "could not be recorded in the audit log"
	contains "logged" "$LOG" "cannot sync"
	kill -TERM "$DPID"
	wait "$DPID"
else
	skip "the audit log synced off the event loop" "(no fault points in this build)"
fi

done_testing
