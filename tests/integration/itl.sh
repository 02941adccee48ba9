#!/bin/sh
# End to end against a throwaway SoftHSM2 token: init, generate the keys,
# build the ITL, show and verify it, and check the signature with the
# openssl command alone.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }

run "tlvsign init" "$TLVSIGN" init
run "tlvsign init is idempotent" "$TLVSIGN" init
contains "second init changes nothing" "$T/out" "inventory up to date"
run "token status before any key" "$TLVSIGN" token status
contains "token status names the token" "$T/out" "tlvsign-test"

for p in ITLRecovery CallManager CallManager-ECDSA TVS CAPF; do
	run "cert generate $p" "$TLVSIGN" cert generate "$p"
done
run "cert list" "$TLVSIGN" cert list
contains "ITLRecovery valid 20 years" "$T/out" "ITLRecovery"
"$TLVSIGN" --json cert list >"$T/certs.json"
contains "ITLRecovery CN" "$T/certs.json" '"subject": "CN=ITLRECOVERY_cucm-pub.example.test;OU=Voice;O=Example;L=Wellington;ST=WGN;C=NZ"'
contains "CallManager CN is the FQDN" "$T/certs.json" '"subject": "CN=cucm-pub.example.test;'
contains "CallManager-ECDSA CN" "$T/certs.json" '"subject": "CN=cucm-pub-EC.example.test;'
contains "CallManager-ECDSA is EC 256" "$T/certs.json" '"key_type": "EC"'
if grep -q '"subject": "CN=CAPF-[0-9a-f]\{8\};' "$T/certs.json"; then
	ok "CAPF CN is CAPF-<8 hex>"
else
	not_ok "CAPF CN is CAPF-<8 hex>"
fi

# every private key: sensitive, extractable only under wrapping
"$TLVSIGN" --json token status >"$T/status.json"
privs=$(grep -c '"class": "private-key"' "$T/status.json")
sens=$(awk '/"class": "private-key"/{p=1} p&&/"sensitive": true/{c++;p=0} END{print c+0}' "$T/status.json")
if [ "$privs" -eq 5 ] && [ "$sens" -eq 5 ]; then
	ok "5 private keys, all sensitive"
else
	echo "private keys $privs, sensitive $sens" >"$T/err"
	not_ok "5 private keys, all sensitive"
fi
certs=$(grep -c '"class": "certificate"' "$T/status.json")
[ "$certs" -eq 5 ] && ok "5 certificates stored in the token" ||
    not_ok "5 certificates stored in the token"

run "itl build" "$TLVSIGN" itl build
itl=$T/tftp/ITLFile.tlv
[ -f "$itl" ] && ok "ITLFile.tlv published" || not_ok "ITLFile.tlv published"
mode=$(stat -c %a "$itl" 2>/dev/null)
[ "$mode" = 644 ] && ok "published with mode 0644" || not_ok "mode 0644 ($mode)"
ls "$T/tftp" | grep -q tmp && not_ok "no temporary file left" ||
    ok "no temporary file left"

run "show itl verifies" "$TLVSIGN" show itl
contains "show itl: verified" "$T/out" "The ITL file was verified successfully."
contains "show itl: signer marked" "$T/out" "This etoken was used to sign the ITL file."
contains "show itl: secondary SAST marked" "$T/out" "This etoken was not used to sign the ITL file."
contains "show itl: checksum lines" "$T/out" "(MD5)"
contains "show itl: version" "$T/out" "Version:	1.2"
contains "show itl: signer version for EC" "$T/out" "SIGNERVERSION	2	1.1"
contains "show itl: CCM+TFTP record" "$T/out" "CCM+TFTP"
contains "show itl: TVS record" "$T/out" "TVS"
contains "show itl: CAPF record" "$T/out" "CAPF"
n=$(grep -c "ITL Record #" "$T/out")
[ "$n" -eq 6 ] && ok "6 records (SAST x2, CCM+TFTP x2, TVS, CAPF)" ||
    not_ok "6 records, got $n"
md5=$(md5sum "$itl" | cut -d' ' -f1)
contains "show itl MD5 is the file's" "$T/out" "$md5(MD5)"
run "show itl FILE" "$TLVSIGN" show itl "$itl"
run "show itl --json" "$TLVSIGN" --json show itl "$itl"
contains "json: verified" "$T/out" '"verified": true'
contains "json: signer record" "$T/out" '"signer": true'

# the signature, checked by openssl alone
od -An -v -tu1 "$itl" | tr -s ' ' '\n' >"$T/bytes"
if walk=$(awk -f "$top_srcdir/tests/integration/tlvwalk.awk" "$T/bytes"); then
	set -- $walk
	sigoff=$1 siglen=$2 certoff=$3 certlen=$4 hash=$5
	head -c "$sigoff" "$itl" >"$T/signed"
	tail -c +$((sigoff + 3 + siglen + 1)) "$itl" >>"$T/signed"
	tail -c +$((sigoff + 3 + 1)) "$itl" | head -c "$siglen" >"$T/sig"
	tail -c +$((certoff + 1)) "$itl" | head -c "$certlen" >"$T/sast.der"
	openssl x509 -inform DER -in "$T/sast.der" -pubkey -noout >"$T/pub.pem"
	[ "$hash" = 1 ] && md=-sha1 || md=-sha512
	run "openssl dgst verifies the ITL signature" \
	    openssl dgst "$md" -verify "$T/pub.pem" -signature "$T/sig" "$T/signed"
	subj=$(openssl x509 -inform DER -in "$T/sast.der" -noout -subject)
	case $subj in
	*ITLRECOVERY_cucm-pub.example.test*) ok "the signer is ITLRecovery" ;;
	*) not_ok "the signer is ITLRecovery ($subj)" ;;
	esac
	printf 'x' | dd of="$T/signed" bs=1 seek=100 conv=notrunc 2>/dev/null
	if openssl dgst "$md" -verify "$T/pub.pem" -signature "$T/sig" \
	    "$T/signed" >/dev/null 2>&1; then
		not_ok "openssl rejects altered bytes"
	else
		ok "openssl rejects altered bytes"
	fi
else
	not_ok "independent walk of the ITL"
	sigoff=0
fi

# a flipped byte anywhere makes show itl fail (a sample of positions across
# the file; every position is covered by the unit tests)
size=$(stat -c %s "$itl")
bad=0
for pos in 0 1 2 5 9 10 11 13 50 100 $((sigoff)) $((sigoff + 3)) \
    $((sigoff + 100)) $(seq $((sigoff + 260)) 97 $((size - 1))) \
    $((size - 2)) $((size - 1)); do
	[ "$pos" -lt "$size" ] || continue
	cp "$itl" "$T/flip.tlv"
	byte=$(od -An -tu1 -j "$pos" -N1 "$itl" | tr -d ' ')
	printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" |
	    dd of="$T/flip.tlv" bs=1 seek="$pos" conv=notrunc 2>/dev/null
	if "$TLVSIGN" show itl "$T/flip.tlv" >/dev/null 2>&1; then
		bad=$((bad + 1))
		echo "flip at $pos accepted" >>"$T/err"
	fi
done
[ "$bad" -eq 0 ] && ok "every sampled flipped byte is rejected" ||
    not_ok "flipped bytes accepted: $bad"

# a certificate change rebuilds the published ITL
before=$(md5sum "$itl" | cut -d' ' -f1)
run "generate tomcat leaves the ITL alone" "$TLVSIGN" cert generate tomcat
after=$(md5sum "$itl" | cut -d' ' -f1)
[ "$before" = "$after" ] && ok "tomcat is not in the ITL" ||
    not_ok "tomcat is not in the ITL"
run "rebuilding publishes a fresh ITL" "$TLVSIGN" itl build
run "the rebuilt ITL verifies" "$TLVSIGN" show itl

# the .tlv format's own size check: a second TFTP node's ITL path
run "itl build --node cucm-pub" "$TLVSIGN" itl build --node cucm-pub

done_testing
