#!/bin/sh
# The trust-file procedures of the reference product, step by step, with
# the phone-trust check deciding each publication: mixed mode and the CTL
# variants, localkey and remotekey resets, ITLRecovery regeneration on a
# secure cluster, rollback, per-phone copies, the digest parameter, the
# 64 KB limit, and `tlvsign check`.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }
"$TLVSIGN" init >/dev/null
for p in ITLRecovery CallManager TVS CAPF; do
	"$TLVSIGN" cert generate "$p" >/dev/null || echo "Bail out! generate $p"
done
"$TLVSIGN" node add cucm-sub --ip 192.0.2.11 --services TFTP,CallManager >/dev/null
"$TLVSIGN" cert generate CallManager --node cucm-sub >/dev/null
run "itl build" "$TLVSIGN" itl build
itl=$T/tftp/ITLFile.tlv
ctl=$T/tftp/CTLFile.tlv
serial() {
	"$TLVSIGN" --json cert show "$@" | sed -n 's/.*"serial": "\(.*\)".*/\1/p'
}

# `tlvsign check` on files
cp "$itl" "$T/itl-0.tlv"
run "check: a phone with nothing takes the first ITL" "$TLVSIGN" check none "$itl"
contains "rule 1" "$T/out" "accepted (rule 1)"

# mixed mode
refuse "ctl update before any CTL" 1 "$TLVSIGN" ctl update
run "ctl set-cluster mixed-mode" "$TLVSIGN" ctl set-cluster mixed-mode
contains "Cluster set to Mixed Mode" "$T/out" "Cluster set to Mixed Mode"
run "param security-mode is mixed" "$TLVSIGN" param get security-mode
contains "mixed" "$T/out" "mixed"
run "show ctl verifies" "$TLVSIGN" show ctl
contains "signed by ITLRecovery" "$T/out" "5	SERIALNUMBER	16	$(serial ITLRecovery)"
n=$(grep -c "FUNCTION	2	System Administrator Security Token" "$T/out")
[ "$n" -eq 2 ] && ok "CTL: two SAST records" || not_ok "CTL: two SAST records ($n)"
n=$(grep -c "FUNCTION	2	CCM+TFTP" "$T/out")
[ "$n" -eq 2 ] && ok "CTL: CCM+TFTP for both nodes" || not_ok "CTL: CCM+TFTP for both nodes ($n)"
contains "CTL: the subscriber's DNS name" "$T/out" "DNSNAME	9	cucm-sub"
contains "CTL: its IP address" "$T/out" "IPADDRESS	4	192.0.2.11"
contains "CTL: CAPF" "$T/out" "FUNCTION	2	CAPF"
grep -q "FUNCTION	2	TVS" "$T/out" && not_ok "CTL: no TVS record" || ok "CTL: no TVS record"
[ -f "$T/tftp/cucm-sub/CTLFile.tlv" ] && ok "every TFTP node serves the CTL" ||
    not_ok "every TFTP node serves the CTL"

run "ctl reset localkey" "$TLVSIGN" ctl reset localkey
"$TLVSIGN" show ctl >"$T/out"
contains "the CTL is signed by the CallManager key" "$T/out" "5	SERIALNUMBER	16	$(serial CallManager)"
run "ctl update" "$TLVSIGN" ctl update
"$TLVSIGN" show ctl >"$T/out"
contains "ITLRecovery signs again" "$T/out" "5	SERIALNUMBER	16	$(serial ITLRecovery)"

# ITLRecovery regenerated on a secure cluster
cp "$ctl" "$T/ctl-before.tlv"
run "regenerate ITLRecovery (secure cluster)" "$TLVSIGN" cert regenerate ITLRecovery --yes
contains "says to run ctl update" "$T/out" "ctl update"
rec=$(serial ITLRecovery)
"$TLVSIGN" show ctl >"$T/out"
contains "the CTL is signed by the CallManager key" "$T/out" "5	SERIALNUMBER	16	$(serial CallManager)"
contains "and carries the new ITLRecovery" "$T/out" "$rec"
run "check: phones holding the old CTL accept it (rule 2)" \
    "$TLVSIGN" check "$T/itl-0.tlv" "$ctl" --ctl "$T/ctl-before.tlv"
contains "by rule 2" "$T/out" "rule 2"
run "ctl update: phones holding the localkey CTL accept ITLRecovery's" "$TLVSIGN" ctl update
"$TLVSIGN" show ctl >"$T/out"
contains "the CTL is signed by the new ITLRecovery" "$T/out" "5	SERIALNUMBER	16	$rec"
"$TLVSIGN" check "$T/itl-0.tlv" "$ctl" --ctl "$T/ctl-before.tlv" >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && ok "phones still on the old CTL would reject the new one" ||
    not_ok "phones still on the old CTL would reject the new one"
contains "the check names a safe sequence" "$T/out" "ctl reset localkey"
run "itl build" "$TLVSIGN" itl build

# the non-secure CTL
run "ctl set-cluster non-secure-mode" "$TLVSIGN" ctl set-cluster non-secure-mode
contains "Non-Secure Mode" "$T/out" "Non-Secure Mode"
"$TLVSIGN" show ctl >"$T/out"
contains "the non-secure CTL verifies" "$T/out" "The CTL file was verified successfully."
awk '/CTL Record #/{r++} r==3' "$T/out" >"$T/rec3"
grep -q "SUBJECTNAME" "$T/rec3" && not_ok "CCM+TFTP records carry no certificate" ||
    ok "CCM+TFTP records carry no certificate"
contains "but DNS name, role and IP" "$T/rec3" "IPADDRESS"
run "back to mixed mode" "$TLVSIGN" ctl set-cluster mixed-mode

# ITL resets
run "itl reset localkey" "$TLVSIGN" itl reset localkey
"$TLVSIGN" show itl >"$T/out"
contains "the ITL is signed by the CallManager key" "$T/out" "5	SERIALNUMBER	16	$(serial CallManager)"
run "itl build (restart TFTP): ITLRecovery signs again" "$TLVSIGN" itl build
"$TLVSIGN" show itl >"$T/out"
contains "signed by ITLRecovery" "$T/out" "5	SERIALNUMBER	16	$rec"

# ITLRecovery.p12 and the remotekey reset
umask 077
echo "p12-passphrase-1" >"$T/p12pass"
echo "wrong-passphrase" >"$T/badpass"
umask 022
refuse "export-p12 needs confirmation" 2 env TLVSIGN_P12_PASS_FILE="$T/p12pass" \
    "$TLVSIGN" key export-p12 ITLRecovery --out "$T/rec.p12"
TLVSIGN_P12_PASS_FILE=$T/p12pass run "key export-p12 ITLRecovery" \
    "$TLVSIGN" key export-p12 ITLRecovery --out "$T/rec.p12" --yes
[ "$(stat -c %a "$T/rec.p12")" = 600 ] && ok "the p12 is mode 0600" ||
    not_ok "the p12 is mode 0600"
run "openssl opens the p12" openssl pkcs12 -in "$T/rec.p12" -nokeys \
    -passin "file:$T/p12pass" -out "$T/p12cert.pem"
"$TLVSIGN" cert export ITLRecovery >"$T/rec.pem"
openssl x509 -in "$T/p12cert.pem" -noout -fingerprint >"$T/f1"
openssl x509 -in "$T/rec.pem" -noout -fingerprint >"$T/f2"
cmp -s "$T/f1" "$T/f2" && ok "it holds the ITLRecovery certificate" ||
    not_ok "it holds the ITLRecovery certificate"
refuse "a short passphrase" 1 env TLVSIGN_P12_PASS_FILE="$T/p12pass" \
    "$TLVSIGN" key export-p12 CallManager --out "$T/cm.p12" --yes
cp "$itl" "$T/itl-A.tlv"

# a rebuilt cluster: new keys, phones still hold cluster A's ITL
objs=$(object_count)
run "regenerate ITLRecovery (the rebuilt cluster's key)" "$TLVSIGN" cert regenerate ITLRecovery --yes
run "and CallManager" "$TLVSIGN" cert regenerate CallManager
run "itl build" "$TLVSIGN" itl build
"$TLVSIGN" check "$T/itl-A.tlv" "$itl" >"$T/out"
[ $? -eq 1 ] && ok "phones holding the old ITL reject the rebuilt cluster's" ||
    not_ok "phones holding the old ITL reject the rebuilt cluster's"
before=$(md5sum "$itl" | cut -d' ' -f1)
TLVSIGN_P12_PASS_FILE=$T/badpass refuse "remotekey with a wrong passphrase" 1 \
    "$TLVSIGN" itl reset remotekey "$T/rec.p12"
contains "says the passphrase is wrong" "$T/err" "wrong passphrase"
[ "$before" = "$(md5sum "$itl" | cut -d' ' -f1)" ] && ok "nothing published" ||
    not_ok "nothing published"
# the gate assumes phones hold the published ITL, which they rejected:
# the officer knows better and forces it (recorded with the publication)
TLVSIGN_P12_PASS_FILE=$T/p12pass refuse "remotekey: the gate warns about phones holding the rebuilt ITL" \
    1 "$TLVSIGN" itl reset remotekey "$T/rec.p12"
TLVSIGN_P12_PASS_FILE=$T/p12pass run "itl reset remotekey --force with the old key" \
    "$TLVSIGN" itl reset remotekey "$T/rec.p12" --force
"$TLVSIGN" show itl >"$T/out"
contains "the ITL is signed by the old ITLRecovery" "$T/out" "5	SERIALNUMBER	16	$rec"
run "the remotekey ITL verifies" "$TLVSIGN" show itl
run "check: phones holding the old ITL accept it (rule 3)" "$TLVSIGN" check "$T/itl-A.tlv" "$itl"
[ "$(object_count)" -eq $((objs + 6)) ] && ok "no key object left from the p12" ||
    not_ok "no key object left from the p12 ($objs -> $(object_count))"
run "itl build afterwards" "$TLVSIGN" itl build

# rollback
run "prepare-rollback true" "$TLVSIGN" param set prepare-rollback true
"$TLVSIGN" show itl >"$T/out"
contains "the rollback ITL verifies" "$T/out" "verified successfully"
awk '/ITL Record #/{r++} r>=3 && /FUNCTION	2	(CCM\+TFTP|TVS)/{f=1} END{exit !f}' "$T/out" &&
    ok "TVS and TFTP records present" || not_ok "TVS and TFTP records present"
n=$(awk '/ITL Record #/{r++; s=0} /SUBJECTNAME/{s=1} /FUNCTION	2	(CCM\+TFTP|TVS)/{if (!s) c++} END{print c+0}' "$T/out")
[ "$n" -eq 2 ] && ok "without certificates" || not_ok "without certificates ($n)"
cp "$itl" "$T/rollback.tlv"
run "prepare-rollback false" "$TLVSIGN" param set prepare-rollback false
run "check: a phone holding the rollback ITL accepts any ITL (rule 5)" \
    "$TLVSIGN" check "$T/rollback.tlv" "$T/itl-A.tlv"
contains "rule 5" "$T/out" "rule 5"

# per-phone copies
run "itl copy" "$TLVSIGN" itl copy 00112233aabb
cmp -s "$itl" "$T/tftp/ITLSEP00112233AABB.tlv" && ok "ITLSEP<MAC>.tlv is the ITL" ||
    not_ok "ITLSEP<MAC>.tlv is the ITL"
"$TLVSIGN" --verbose show itl "$T/tftp/ITLSEP00112233AABB.tlv" >"$T/out"
contains "internal name ITLFile.tlv" "$T/out" "(ITLFile.tlv)"
run "ctl copy" "$TLVSIGN" ctl copy 00112233AABB
cmp -s "$ctl" "$T/tftp/CTLSEP00112233AABB.tlv" && ok "CTLSEP<MAC>.tlv is the CTL" ||
    not_ok "CTLSEP<MAC>.tlv is the CTL"
refuse "a bad MAC" 1 "$TLVSIGN" itl copy 0011

# digest
run "trust-file-digest sha512" "$TLVSIGN" param set trust-file-digest sha512
run "itl build" "$TLVSIGN" itl build
"$TLVSIGN" --json show itl >"$T/out"
contains "SHA-512 signature" "$T/out" '"hash_algorithm": "SHA512"'
run "fips-mode true" "$TLVSIGN" param set fips-mode true
refuse "FIPS refuses SHA-1 trust files" 1 "$TLVSIGN" param set trust-file-digest sha1
run "fips-mode false" "$TLVSIGN" param set fips-mode false
run "trust-file-digest sha1" "$TLVSIGN" param set trust-file-digest sha1

# TVS and TFTP changed together vs one at a time (phones holding a
# CallManager-signed ITL)
run "itl reset localkey" "$TLVSIGN" itl reset localkey
cp "$itl" "$T/held.tlv"
run "regenerate TVS" "$TLVSIGN" cert regenerate TVS
cp "$itl" "$T/after-tvs.tlv"
run "regenerate CallManager" "$TLVSIGN" cert regenerate CallManager
run "itl reset localkey with the new CallManager" "$TLVSIGN" itl reset localkey
"$TLVSIGN" check "$T/held.tlv" "$itl" >"$T/out"
[ $? -eq 1 ] && ok "both changed at once: rejected" || not_ok "both changed at once: rejected"
contains "one trust anchor at a time" "$T/out" "one trust anchor at a time"
run "TVS first: accepted" "$TLVSIGN" check "$T/held.tlv" "$T/after-tvs.tlv"
run "then TFTP: accepted" "$TLVSIGN" check "$T/after-tvs.tlv" "$itl"
run "itl build" "$TLVSIGN" itl build

# --force publishes past a refusal, and says so
run "regenerate ITLRecovery" "$TLVSIGN" cert regenerate ITLRecovery --yes
before=$(md5sum "$itl" | cut -d' ' -f1)
refuse "itl build --previous 1: phones that missed the localkey ITL" 1 \
    "$TLVSIGN" itl build --previous 1
[ "$before" = "$(md5sum "$itl" | cut -d' ' -f1)" ] && ok "nothing published" ||
    not_ok "nothing published"
run "itl build --previous 1 --force" "$TLVSIGN" itl build --previous 1 --force
contains "warns that it was forced" "$T/err" "published with --force"
[ "$before" != "$(md5sum "$itl" | cut -d' ' -f1)" ] && ok "published" ||
    not_ok "published"

# 64 KB: the certificate that would push the ITL over is refused whole
i=0
refused=0
while [ "$i" -lt 45 ] && [ "$refused" -eq 0 ]; do
	i=$((i + 1))
	"$TLVSIGN" node add "tvs$i" --ip "192.0.2.$((100 + i))" --services TVS >/dev/null
	before=$(md5sum "$itl" | cut -d' ' -f1)
	certs=$("$TLVSIGN" --json cert list | grep -c '"purpose"')
	objs=$(object_count)
	if ! "$TLVSIGN" cert generate TVS --node "tvs$i" >/dev/null 2>"$T/err"; then
		refused=1
	fi
done
[ "$refused" -eq 1 ] && ok "a TVS certificate is refused once the ITL would pass 64 KB (node $i)" ||
    not_ok "no refusal before 45 TVS nodes"
contains "says how far over" "$T/err" "65,535"
[ "$before" = "$(md5sum "$itl" | cut -d' ' -f1)" ] && ok "the ITL is unchanged" ||
    not_ok "the ITL is unchanged"
[ "$certs" -eq "$("$TLVSIGN" --json cert list | grep -c '"purpose"')" ] &&
    ok "no certificate row added" || not_ok "no certificate row added"
[ "$objs" -eq "$(object_count)" ] && ok "no key left in the token" ||
    not_ok "no key left in the token"
size=$(stat -c %s "$itl")
[ "$size" -le 65535 ] && ok "the published ITL is within the limit ($size bytes)" ||
    not_ok "the published ITL is within the limit ($size bytes)"

done_testing
