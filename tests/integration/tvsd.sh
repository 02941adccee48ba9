#!/bin/sh
# tlvsignd's TVS listener on 127.0.0.1 with a SoftHSM2 token: verify and
# query answers for known, unknown and bulk-imported certificates (served
# as soon as tlvsign imports them, without a reload); frames
# that are truncated, of another protocol or version, oversize or with an
# unknown tag are dropped without a reply and without holding up other
# clients; the connection cap and deadline; 200 clients at once; TLS
# session resumption; TLS 1.0 only when enabled; SIGHUP reloads; SIGTERM
# under load answers every request it took and exits 0.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

TLVSIGND=$top_builddir/tlvsignd
CLIENT=$top_builddir/tests/tvsclient

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }
"$TLVSIGN" init >/dev/null
for p in ITLRecovery CallManager TVS CAPF; do
	"$TLVSIGN" cert generate "$p" >/dev/null || echo "Bail out! generate $p"
done
cp "$T/tlvsign.conf" "$T/base.conf"
tvs_conf() {
	{ cat "$T/base.conf"; printf '\n[tvs]\nlisten = 127.0.0.1:0\n'; cat; } \
	    >"$T/tlvsign.conf"
}
printf 'ttl = 3600\ntimeout = 3\nmax-connections = 400\n' | tvs_conf
for p in CallManager TVS CAPF ITLRecovery; do
	"$TLVSIGN" cert export "$p" >"$T/$p.pem"
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/other.key" -subj "/CN=stranger.example.test" -days 30 \
    -out "$T/other.pem" 2>/dev/null || echo "Bail out! openssl req"

# --check-config
run "--check-config" "$TLVSIGND" --check-config
contains "names the listener and the store" "$T/out" "TVS on 127.0.0.1:0, 3 certificates in the TVS trust store"
printf 'ttl = soon\n' | tvs_conf
refuse "--check-config: a bad ttl" 1 "$TLVSIGND" --check-config
contains "says which key" "$T/err" '[tvs] ttl "soon" is not a number'
printf 'colour = blue\n' | tvs_conf
refuse "--check-config: an unknown key" 1 "$TLVSIGND" --check-config
printf 'listen = localhost\n' | tvs_conf
refuse "--check-config: listen without a port" 1 "$TLVSIGND" --check-config
printf 'tls1.0 = maybe\n' | tvs_conf
refuse "--check-config: tls1.0 is yes or no" 1 "$TLVSIGND" --check-config
refuse "a usage error" 2 "$TLVSIGND" --bogus
refuse "--scheduling is batch or inherit" 2 "$TLVSIGND" --scheduling fifo
contains "which it says" "$T/err" "--scheduling is batch or inherit"
printf 'ttl = 3600\ntimeout = 3\nmax-connections = 400\n' | tvs_conf

# the service manager's socket: the daemon says when it is ready,
# reloading and stopping
NOTIFY_SOCKET=$T/notify.sock
export NOTIFY_SOCKET
"$top_builddir/tests/notifysock" "$NOTIFY_SOCKET" 600 >"$T/notify.out" &
NPID=$!
i=0
while [ $i -lt 50 ] && [ ! -S "$NOTIFY_SOCKET" ]; do sleep 0.1; i=$((i + 1)); done
LOG=$T/daemon.log
start() {
	: >"$LOG"
	"$TLVSIGND" "$@" 2>"$LOG" &
	DPID=$!
	i=0
	while [ $i -lt 100 ]; do
		PORT=$(sed -n 's/.*TVS listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$LOG")
		[ -n "$PORT" ] && return 0
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# wait_log TEXT: until the log has it (5 s)
wait_log() {
	i=0
	while [ $i -lt 50 ]; do
		grep -qF -- "$1" "$LOG" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
start && ok "tlvsignd starts" || { cat "$LOG"; echo "Bail out! tlvsignd did not start"; exit 1; }
# wait_notify N TEXT: until the Nth message to the service manager has it
wait_notify() {
	i=0
	while [ $i -lt 50 ]; do
		sed -n "$1p" "$T/notify.out" | grep -qF -- "$2" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
wait_notify 1 "READY=1" && ok "READY=1 to the service manager once listening" ||
    not_ok "READY=1 to the service manager once listening"
C() { "$CLIENT" --server-cert "$T/TVS.pem" 127.0.0.1 "$PORT" "$@"; }

# known, unknown
run "verify CallManager" C verify "$T/CallManager.pem"
contains "valid as CCM+TFTP, the TTL of the configuration, id echoed" "$T/out" "valid roles=2 ttl=3600 id=0a0b0c0d"
run "verify TVS" C verify "$T/TVS.pem"
contains "valid as TVS" "$T/out" "valid roles=21 ttl=3600"
run "verify CAPF" C verify "$T/CAPF.pem"
contains "valid as CAPF" "$T/out" "valid roles=4 ttl=3600"
run "verify ITLRecovery" C verify "$T/ITLRecovery.pem"
contains "TVS does not vouch for this cluster's ITLRecovery" "$T/out" "invalid id=0a0b0c0d"
run "verify an unknown certificate" C verify "$T/other.pem"
contains "invalid" "$T/out" "invalid id=0a0b0c0d"
run "query CallManager" C query "$T/CallManager.pem"
contains "valid, with the certificate" "$T/out" "valid roles=2 ttl=3600 id=0a0b0c0d cert=same"
run "query an unknown certificate" C query "$T/other.pem"
contains "invalid" "$T/out" "invalid id=0a0b0c0d"
wait_log "verify from CP-8865-SEP00112233AABB: valid: CN=cucm-pub" &&
    ok "the log names the phone and the certificate" ||
    not_ok "the log names the phone and the certificate"

# bulk-imported: cluster B on the same token
sed -e 's/^name = testcluster/name = clusterb/' \
    -e 's/^state-dir = state/state-dir = stateb/' \
    -e 's/^tftp-dir = tftp/tftp-dir = tftpb/' \
    -e 's/^hostname = cucm-pub/hostname = cucm-b/' "$T/base.conf" >"$T/b.conf"
B() { "$TLVSIGN" --config "$T/b.conf" "$@"; }
B init >/dev/null && B cert generate ITLRecovery >/dev/null &&
    B cert generate CallManager >/dev/null || echo "Bail out! cluster B"
B cert export ITLRecovery >"$T/b-rec.pem"
B cert bulk export --out "$T/b.json" >/dev/null
run "verify B's ITLRecovery before the import" C verify "$T/b-rec.pem"
contains "invalid" "$T/out" "invalid"
run "bulk import of cluster B" "$TLVSIGN" cert bulk import "$T/b.json"
# served without a reload: the service follows the inventory
wait_log "the inventory changed: TVS serves 5 certificates in its trust store" &&
    ok "the imported certificates are served within seconds" ||
    not_ok "the imported certificates are served within seconds"
grep -q "reloaded:" "$LOG" && not_ok "without a reload" || ok "without a reload"
run "verify B's ITLRecovery after the import" C verify "$T/b-rec.pem"
contains "valid as SAST" "$T/out" "valid roles=0 ttl=3600"
run "query B's ITLRecovery" C query "$T/b-rec.pem"
contains "valid, with the certificate" "$T/out" "cert=same"
kill -HUP "$DPID"
wait_log "reloaded: 5 certificates in the TVS trust store" &&
    ok "SIGHUP reloads the trust store" || not_ok "SIGHUP reloads the trust store"
wait_notify 2 "RELOADING=1" && wait_notify 3 "READY=1" &&
    ok "RELOADING=1, then READY=1 to the service manager" ||
    not_ok "RELOADING=1, then READY=1 to the service manager"

# malformed frames: dropped without reply, logged, nobody else held up
frame() { printf "$1" >"$T/frame"; }
drops() {
	desc=$1
	want=$2
	run "$desc: closed without a reply" "$CLIENT" 127.0.0.1 "$PORT" raw "$T/frame"
	contains "$desc: no reply" "$T/out" "closed"
	wait_log "$want" && ok "$desc: logged" || not_ok "$desc: logged ($want)"
}
frame '\130\001\001\000\000\000\000\001\000\003\002\000\000'
drops "wrong protocol id" "TVS protocol id is 0x58"
frame '\127\002\001\000\000\000\000\001\000\003\002\000\000'
drops "wrong version" "TVS version 2 is not 1"
frame '\127\001\001\000\000\000\000\001\377\377'
drops "oversize length" "TVS payload of 65535 bytes is over the 16384-byte limit"
frame '\127\001\001\000\000\000\000\001\000\003\006\000\000'
drops "unknown tag" "unknown TVS element tag 6"
frame '\127\001\002\000\000\000\000\001\000\004\007\000\001\000'
drops "a response sent as a request" "is a response, not a request"
# one line for a dropped connection: the drop says the TLS version itself
grep -q "TLS TLSv1.3 full handshake: dropped without reply: .*TVS protocol id is 0x58" "$LOG" &&
    ok "a dropped connection's line names its TLS handshake" ||
    not_ok "a dropped connection's line names its TLS handshake"
# truncated: the header promises more than comes; the deadline ends it
frame '\127\001\001\000\000\000\000\001\000\144\001\000\030\001CP-88'
t0=$(date +%s)
"$CLIENT" 127.0.0.1 "$PORT" raw "$T/frame" >"$T/out" 2>"$T/err" &
slow1=$!
"$CLIENT" 127.0.0.1 "$PORT" hold 30 >"$T/hold.out" 2>&1 &
slow2=$!
sleep 0.5
run "another client is answered while two are slow" C verify "$T/CallManager.pem"
contains "and gets its answer" "$T/out" "valid roles=2"
t1=$(date +%s)
[ $((t1 - t0)) -le 2 ] && ok "without waiting for them" || not_ok "without waiting for them ($((t1 - t0)) s)"
wait "$slow1" && ok "truncated frame: closed without a reply" ||
    not_ok "truncated frame: closed without a reply"
wait "$slow2"
contains "a silent client is closed at the deadline" "$T/hold.out" "closed by the server after 3 s"
wait_log "full handshake: dropped: over the 3-second connection deadline after 0 answers" &&
    ok "the deadline's line names the TLS handshake" ||
    not_ok "the deadline's line names the TLS handshake"
[ "$(grep -c "closed without a request" "$LOG")" -eq 0 ] &&
    ok "no second line for a dropped connection" ||
    not_ok "no second line for a dropped connection: $(grep "closed without a request" "$LOG")"
wait_log "over the 3-second connection deadline" && ok "deadline logged" ||
    not_ok "deadline logged"
kill -0 "$DPID" 2>/dev/null && ok "tlvsignd is still running" ||
    not_ok "tlvsignd is still running"

# 200 clients at once: each handshake is a signature in the token, so the
# deadline must allow for 200 of them queued on a small, busy machine
printf 'ttl = 3600\ntimeout = 120\nmax-connections = 400\n' | tvs_conf
kill -HUP "$DPID"
wait_log "max-connections 400, timeout 120, tls1.0 no" ||
    echo "# the reload before the load test was not logged"
run "200 concurrent clients" C load "$T/CallManager.pem" 200 1
contains "every one answered" "$T/out" "answered 200 refused 0 lost 0 of 200"

# policies PID: the scheduling policies of its threads (0 normal, 3 batch),
# from /proc/PID/task/*/stat (field 41)
policies() {
	for t in /proc/"$1"/task/*; do
		sed 's/.*) //' "$t/stat" | awk '{print $39}'
	done | sort -u | tr '\n' ' '
}
p=$(policies "$DPID")
[ "$p" = "3 " ] && ok "every thread of the service runs under SCHED_BATCH" ||
    not_ok "every thread of the service runs under SCHED_BATCH (policies $p)"

# resumption: one full handshake, then tickets; resumes VERSION [OPTION]
resumes() {
	n0=$(grep -c "full handshake" "$LOG")
	run "$1: session resumption" "$CLIENT" ${2:-} --server-cert "$T/TVS.pem" \
	    127.0.0.1 "$PORT" resume "$T/CallManager.pem" 6
	contains "$1: five of six connections resumed" "$T/out" "resumed 5 of 6"
	n1=$(grep -c "full handshake" "$LOG")
	[ $((n1 - n0)) -eq 1 ] &&
	    ok "$1: the server made one full handshake (one token signature)" ||
	    not_ok "$1: the server made one full handshake ($((n1 - n0)))"
	grep -q "TLS TLSv$1 resumed: verify from CP-8865-SEP00112233AABB: valid: CN=" "$LOG" &&
	    ok "$1: one log line for a connection: resumed, then its answer" ||
	    not_ok "$1: one log line for a connection: resumed, then its answer: $(grep "TLSv$1 resumed" "$LOG" | tail -n 1)"
}
: >"$LOG.mark"
resumes 1.3
# a phone that speaks TLS 1.2 at most resumes too (a session ticket)
resumes 1.2 --tls1.2

# a connection that asks nothing still has its line
run "a connection without a request" "$CLIENT" 127.0.0.1 "$PORT" hold 1
wait_log "TLS TLSv1.3 full handshake: closed without a request" &&
    ok "a connection without a request is logged as such" ||
    not_ok "a connection without a request is logged as such"

# the benchmark's client: four connections in flight from one thread, each
# resuming the session of the one before it, none failed; it reports its own
# CPU time per request (bench/tvs prints it beside the server's)
run "the benchmark client" C bench "$T/CallManager.pem" 4 1 verify-resume
awk '$4 == 0 && $5 > 0 && $6 == $8 - 4 && $8 > 4 { f = 1 } END { exit !f }' "$T/out" &&
    ok "the benchmark resumes every connection but each client's first" ||
    not_ok "the benchmark resumes every connection but each client's first: $(cat "$T/out")"

# TLS 1.0 only when enabled; the connection cap; both by SIGHUP
refuse "TLS 1.0 is off by default" 1 "$CLIENT" --tls1.0 127.0.0.1 "$PORT" verify "$T/CallManager.pem"
printf 'ttl = 3600\ntimeout = 3\nmax-connections = 2\ntls1.0 = yes\n' | tvs_conf
kill -HUP "$DPID"
wait_log "max-connections 2, timeout 3, tls1.0 yes" && ok "SIGHUP reloads the configuration" ||
    not_ok "SIGHUP reloads the configuration"
run "tls1.0 = yes: a TLS 1.0 phone is answered" "$CLIENT" --tls1.0 127.0.0.1 "$PORT" verify "$T/CallManager.pem"
contains "valid" "$T/out" "valid roles=2"
"$CLIENT" 127.0.0.1 "$PORT" hold 10 >/dev/null 2>&1 &
h1=$!
"$CLIENT" 127.0.0.1 "$PORT" hold 10 >/dev/null 2>&1 &
h2=$!
sleep 0.5
refuse "over max-connections: refused" 1 C verify "$T/CallManager.pem"
wait_log "connections at once (max-connections)" && ok "the refusal is logged" ||
    not_ok "the refusal is logged"
wait "$h1" "$h2"
run "under the cap again" C verify "$T/CallManager.pem"
printf 'ttl = 3600\ntimeout = 5\nmax-connections = 400\n' | tvs_conf
printf '[token\n' >>"$T/tlvsign.conf"
kill -HUP "$DPID"
wait_log "reload refused, the old configuration stays" &&
    ok "a broken configuration is refused on SIGHUP" ||
    not_ok "a broken configuration is refused on SIGHUP"
printf 'ttl = 3600\ntimeout = 60\nmax-connections = 400\n' | tvs_conf
kill -HUP "$DPID"
wait_log "max-connections 400, timeout 60, tls1.0 no" && ok "and the next good one taken" ||
    not_ok "and the next good one taken"

# SIGTERM under load
"$CLIENT" --server-cert "$T/TVS.pem" 127.0.0.1 "$PORT" load "$T/CallManager.pem" 16 40 >"$T/load.out" 2>&1 &
lpid=$!
sleep 1
kill -TERM "$DPID"
wait "$DPID"
rc=$?
[ "$rc" -eq 0 ] && ok "SIGTERM: exit status 0" || not_ok "SIGTERM: exit status 0 ($rc)"
wait "$lpid" && ok "no request taken was left unanswered" ||
    { cat "$T/load.out" >"$T/err"; not_ok "no request taken was left unanswered"; }
contains "the load client counts no loss" "$T/load.out" "lost 0"
grep -q "^answered [1-9]" "$T/load.out" && ok "requests were answered before the stop" ||
    not_ok "requests were answered before the stop"
contains "stop logged" "$LOG" "<5>stopped"
wait "$NPID"
contains "STOPPING=1 to the service manager" "$T/notify.out" "STOPPING=1"

# --scheduling inherit: the policy it was started with
unset NOTIFY_SOCKET
start --scheduling inherit && ok "tlvsignd --scheduling inherit starts" ||
    not_ok "tlvsignd --scheduling inherit starts"
p=$(policies "$DPID")
[ "$p" = "0 " ] && ok "--scheduling inherit keeps the normal policy" ||
    not_ok "--scheduling inherit keeps the normal policy (policies $p)"
kill -TERM "$DPID"
wait "$DPID"

# the log: one event per line with a priority, never the PIN
bad=$(grep -cv '^<[0-7]>' "$LOG")
[ "$bad" -eq 0 ] && ok "every log line has a priority prefix" ||
    not_ok "every log line has a priority prefix ($bad)"
pin=$(cat "$T/hsm/pin")
grep -qF "$pin" "$LOG" && not_ok "the PIN is not in the log" ||
    ok "the PIN is not in the log"

done_testing
