# lib.sh - shared pieces of the integration tests: TAP output and a
# throwaway SoftHSM2 token with its own tlvsign configuration in a
# temporary folder (never the system token).

set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
PKCS11_MODULE=${PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
TLVSIGN=$top_builddir/tlvsign
export TLVSIGN_PIN_FILE=

tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
	if [ -s "$T/err" ]; then sed 's/^/# /' "$T/err"; fi
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - # SKIP $*"
}

# run DESC CMD...: CMD must exit 0.
run() {
	desc=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then ok "$desc"; else not_ok "$desc"; fi
}

# refuse DESC STATUS CMD...: CMD must exit with STATUS and print exactly
# one line on stderr.
refuse() {
	desc=$1
	want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	lines=$(wc -l <"$T/err")
	if [ "$got" -eq "$want" ] && [ "$lines" -eq 1 ]; then
		ok "$desc"
	else
		echo "exit $got, $lines stderr lines" >>"$T/err"
		not_ok "$desc"
	fi
}

# contains DESC FILE TEXT
contains() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else
		{ echo "missing: $3"; head -40 "$2"; } >"$T/err"
		not_ok "$1"
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# A fresh token and configuration in $T. Sets TLVSIGN_CONF, SOFTHSM2_CONF.
setup_token() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/tlvsign-test.XXXXXX")
	trap 'rm -rf "$T"' EXIT
	: >"$T/err"
	cat >"$T/tlvsign.conf" <<CONF
[token]
module = $PKCS11_MODULE
uri = pkcs11:token=tlvsign-test
pin-file = hsm/pin

[cluster]
name = testcluster
state-dir = state
tftp-dir = tftp
hostname = cucm-pub
domain = example.test
ip-address = 192.0.2.10

[certificate]
ou = Voice
o = Example
l = Wellington
st = WGN
c = NZ
CONF
	TLVSIGN_CONF=$T/tlvsign.conf
	export TLVSIGN_CONF
	"$top_srcdir/hsm/init-token" "$T/hsm" "$T/tlvsign.conf" "$TLVSIGN" \
	    >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; return 1; }
	SOFTHSM2_CONF=$T/hsm/softhsm2.conf
	export SOFTHSM2_CONF
}

# Number of objects in the token.
object_count() {
	"$TLVSIGN" --json token status | grep -c '"class"'
}

faults_built() {
	grep -q '^#define TLVSIGN_FAULTS 1' "$top_builddir/config.h"
}
