#!/bin/sh
# Nodes and parameters: one ITL per TFTP node, removal refused while a node
# has certificates or published files, FIPS mode, read-only parameters.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }
"$TLVSIGN" init >/dev/null
for p in ITLRecovery CallManager TVS CAPF; do
	"$TLVSIGN" cert generate "$p" >/dev/null || echo "Bail out! generate $p"
done

run "node add" "$TLVSIGN" node add cucm-sub --ip 192.0.2.11 --services TFTP,TVS,CallManager
run "node add (TVS only)" "$TLVSIGN" node add tvs-only --ip 192.0.2.12 --services tvs
run "node list" "$TLVSIGN" node list
contains "lists the subscriber" "$T/out" "cucm-sub"
contains "with its services" "$T/out" "TFTP,TVS,CallManager"
contains "the publisher is marked" "$T/out" "publisher"
"$TLVSIGN" --json node list >"$T/out"
contains "json: the domain comes from the configuration" "$T/out" '"domain": "example.test"'
refuse "duplicate node" 1 "$TLVSIGN" node add cucm-sub --ip 192.0.2.13 --services TFTP
refuse "bad IPv4" 1 "$TLVSIGN" node add bad --ip 300.1.1.1 --services TFTP
refuse "bad host name" 1 "$TLVSIGN" node add 'bad_host' --ip 192.0.2.14 --services TFTP
refuse "unknown service" 1 "$TLVSIGN" node add other --ip 192.0.2.14 --services FTP
refuse "node add without --ip" 2 "$TLVSIGN" node add other --services TFTP

run "CallManager for the subscriber" "$TLVSIGN" cert generate CallManager --node cucm-sub
run "TVS for the subscriber" "$TLVSIGN" cert generate TVS --node cucm-sub
"$TLVSIGN" --json cert show CallManager --node cucm-sub >"$T/out"
contains "subscriber CN" "$T/out" '"subject": "CN=cucm-sub.example.test;'
run "ITL of the publisher" "$TLVSIGN" itl build
run "ITL of the subscriber" "$TLVSIGN" itl build --node cucm-sub
[ -f "$T/tftp/cucm-sub/ITLFile.tlv" ] && ok "one ITL per TFTP node" ||
    not_ok "one ITL per TFTP node"
run "show the subscriber's ITL" "$TLVSIGN" show itl "$T/tftp/cucm-sub/ITLFile.tlv"
n=$(grep -c "21	Trust Verification\|FUNCTION	2	TVS" "$T/out")
[ "$n" -eq 2 ] && ok "both TVS certificates in the subscriber's ITL" ||
    not_ok "both TVS certificates in the subscriber's ITL ($n)"
contains "the subscriber's CallManager as CCM+TFTP" "$T/out" "CN=cucm-sub.example.test"
refuse "an ITL for a node without TFTP" 1 "$TLVSIGN" itl build --node tvs-only

# a TVS certificate on a TVS node rebuilds both published ITLs
a=$(md5sum "$T/tftp/ITLFile.tlv" | cut -d' ' -f1)
b=$(md5sum "$T/tftp/cucm-sub/ITLFile.tlv" | cut -d' ' -f1)
run "TVS for tvs-only" "$TLVSIGN" cert generate TVS --node tvs-only
contains "two ITLs rebuilt" "$T/out" "(2 nodes)"
[ "$a" != "$(md5sum "$T/tftp/ITLFile.tlv" | cut -d' ' -f1)" ] &&
    [ "$b" != "$(md5sum "$T/tftp/cucm-sub/ITLFile.tlv" | cut -d' ' -f1)" ] &&
    ok "both published ITLs changed" || not_ok "both published ITLs changed"

refuse "remove a node with certificates" 1 "$TLVSIGN" node remove cucm-sub
contains "says why" "$T/err" "2 certificates"
refuse "remove the publisher" 1 "$TLVSIGN" node remove cucm-pub
run "node add spare" "$TLVSIGN" node add spare --ip 192.0.2.20 --services CAPF
run "remove an unused node" "$TLVSIGN" node remove spare
refuse "remove it again" 1 "$TLVSIGN" node remove spare

# parameters
run "param list" "$TLVSIGN" param list
contains "fips-mode listed" "$T/out" "fips-mode"
contains "backup-required read-only" "$T/out" "[read-only]"
refuse "backup-required is not set by hand" 1 "$TLVSIGN" param set backup-required false
refuse "fips-mode takes true|false" 1 "$TLVSIGN" param set fips-mode maybe
refuse "unknown parameter" 1 "$TLVSIGN" param set colour blue
run "FIPS mode on" "$TLVSIGN" param set fips-mode true
run "param get" "$TLVSIGN" param get fips-mode
contains "param get prints the value" "$T/out" "true"
refuse "FIPS: SHA384 refused" 1 "$TLVSIGN" cert generate tomcat --hash SHA384
contains "says FIPS" "$T/err" "FIPS"
run "FIPS: SHA256 accepted" "$TLVSIGN" cert generate tomcat --hash SHA256
run "FIPS mode off" "$TLVSIGN" param set fips-mode false

done_testing
