#!/bin/sh
# Bad input gets one clear error line, exit status 1 (2 for usage), and
# changes nothing: no orphan key in the token, no inventory row, no file.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }

refuse "no inventory before init" 1 "$TLVSIGN" cert list
contains "says to run init" "$T/err" "tlvsign init"
run "init" "$TLVSIGN" init

refuse "usage: no command" 2 "$TLVSIGN"
refuse "usage: unknown command" 2 "$TLVSIGN" frobnicate
refuse "usage: cert generate without purpose" 2 "$TLVSIGN" cert generate
refuse "usage: bad number" 2 "$TLVSIGN" cert generate CallManager --key-length big
refuse "usage: show what" 2 "$TLVSIGN" show
refuse "usage: show bogus" 2 "$TLVSIGN" show bogus

refuse "itl build without certificates" 1 "$TLVSIGN" itl build
contains "names the missing certificate" "$T/err" "no ITLRecovery certificate"
[ ! -e "$T/tftp/ITLFile.tlv" ] && ok "no ITL written" || not_ok "no ITL written"

objs=$(object_count)
refuse "unknown purpose" 1 "$TLVSIGN" cert generate Bogus
refuse "RSA 1024 is too weak" 1 "$TLVSIGN" cert generate CallManager --key-length 1024
contains "says too weak" "$T/err" "too weak"
refuse "EC with 3072" 1 "$TLVSIGN" cert generate CallManager-ECDSA --key-length 3072
contains "3072 only for RSA" "$T/err" "only for RSA"
refuse "EC 384 with SHA256" 1 "$TLVSIGN" cert generate CallManager-ECDSA --key-length 384 --hash SHA256
refuse "21 years" 1 "$TLVSIGN" cert generate ITLRecovery --years 21
refuse "unknown node" 1 "$TLVSIGN" cert generate CallManager --node nosuch
[ "$(object_count)" -eq "$objs" ] && ok "refusals left no key in the token" ||
    not_ok "refusals left no key in the token"

run "CallManager RSA 3072 accepted" "$TLVSIGN" cert generate CallManager --key-length 3072
contains "prints the reference product's warning" "$T/err" "might fail to register"
objs=$(object_count)
refuse "a second CallManager is refused" 1 "$TLVSIGN" cert generate CallManager
[ "$(object_count)" -eq "$objs" ] && ok "no orphan key after the refusal" ||
    not_ok "no orphan key after the refusal"

# token failures in the middle of a generation leave nothing behind
if faults_built; then
	objs=$(object_count)
	"$TLVSIGN" --json cert list >"$T/before.json"
	for point in token_generate token_store_cert; do
		TLVSIGN_FAULT=$point refuse "fault at $point fails cleanly" 1 \
		    "$TLVSIGN" cert generate TVS
	done
	"$TLVSIGN" --json cert list >"$T/after.json"
	[ "$(object_count)" -eq "$objs" ] && ok "no orphan key after faults" ||
	    not_ok "no orphan key after faults"
	cmp -s "$T/before.json" "$T/after.json" &&
	    ok "inventory unchanged after faults" ||
	    not_ok "inventory unchanged after faults"
	run "generation works again" "$TLVSIGN" cert generate TVS
else
	skip "fault points not built (configure --enable-fault-injection)"
fi

# PIN handling
echo wrong-pin >"$T/badpin"
chmod 600 "$T/badpin"
TLVSIGN_PIN_FILE=$T/badpin refuse "wrong PIN" 1 "$TLVSIGN" token status
contains "says the PIN is wrong" "$T/err" "PIN is incorrect"
grep -q wrong-pin "$T/err" && not_ok "PIN not echoed" || ok "PIN not echoed"
cp "$T/hsm/pin" "$T/openpin"
chmod 644 "$T/openpin"
TLVSIGN_PIN_FILE=$T/openpin refuse "a PIN file others can read" 1 "$TLVSIGN" token status
contains "says chmod 600" "$T/err" "chmod 600"

# malformed trust lists
refuse "show itl: missing file" 1 "$TLVSIGN" show itl "$T/nosuch.tlv"
head -c 1000 /dev/urandom >"$T/garbage.tlv"
refuse "show itl: garbage" 1 "$TLVSIGN" show itl "$T/garbage.tlv"
: >"$T/empty.tlv"
refuse "show itl: empty file" 1 "$TLVSIGN" show itl "$T/empty.tlv"

run "ITLRecovery" "$TLVSIGN" cert generate ITLRecovery
run "itl build" "$TLVSIGN" itl build
itl=$T/tftp/ITLFile.tlv
size=$(stat -c %s "$itl")
bad=0
for cut in 1 3 9 10 50 200 $((size / 2)) $((size - 100)) $((size - 1)); do
	head -c "$cut" "$itl" >"$T/cut.tlv"
	if "$TLVSIGN" show itl "$T/cut.tlv" >/dev/null 2>"$T/cut.err"; then
		bad=$((bad + 1))
	fi
done
[ "$bad" -eq 0 ] && ok "truncated ITLs rejected" || not_ok "$bad truncations accepted"
cat "$itl" "$itl" >"$T/double.tlv"
refuse "show itl: trailing garbage" 1 "$TLVSIGN" show itl "$T/double.tlv"

# a broken configuration
printf '[token]\nmodul = x\n' >"$T/bad.conf"
refuse "unknown configuration key" 1 "$TLVSIGN" --config "$T/bad.conf" cert list
contains "names the key and line" "$T/err" "bad.conf:2"
printf '[token]\nmodule = /nonexistent/module.so\n[cluster]\nstate-dir = %s\n' "$T/state" >"$T/nomod.conf"
refuse "missing PKCS#11 module" 1 "$TLVSIGN" --config "$T/nomod.conf" token status

done_testing
