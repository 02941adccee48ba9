#!/bin/sh
# CSR round trip against a test CA made with the openssl command: the
# matching certificate is imported, non-matching, expired, not yet valid
# and wrongly-used ones are refused with one clear line each.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }
"$TLVSIGN" init >/dev/null
for p in ITLRecovery CallManager TVS CAPF; do
	"$TLVSIGN" cert generate "$p" >/dev/null || echo "Bail out! generate $p"
done
"$TLVSIGN" itl build >/dev/null

# a small CA with `openssl ca`, so that dates can be chosen
ca=$T/ca
mkdir -p "$ca/new"
: >"$ca/index.txt"
echo 1000 >"$ca/serial"
cat >"$ca/ca.conf" <<CONF
[ca]
default_ca = test
[test]
dir = $ca
database = $ca/index.txt
new_certs_dir = $ca/new
serial = $ca/serial
private_key = $ca/ca.key
certificate = $ca/ca.pem
default_md = sha256
policy = anything
copy_extensions = none
unique_subject = no
[anything]
commonName = supplied
organizationalUnitName = optional
organizationName = optional
localityName = optional
stateOrProvinceName = optional
countryName = optional
[tls]
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
[wrongusage]
keyUsage = critical, keyEncipherment
[noserver]
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
CONF
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ca/ca.key" \
    -out "$ca/ca.pem" -subj "/CN=tlvsign Test CA" -days 30 2>/dev/null
# sign CSR OUT EXT START END
casign() {
	openssl ca -batch -config "$ca/ca.conf" -in "$1" -out "$2" \
	    -extensions "$3" -startdate "$4" -enddate "$5" -notext \
	    >/dev/null 2>&1
}
now=$(date -u +%Y%m%d%H%M%SZ)
later=$(date -u -d '+300 days' +%Y%m%d%H%M%SZ)

run "cert csr CallManager" "$TLVSIGN" cert csr CallManager --out "$T/cm.csr" \
    --san voice.example.test
run "the CSR verifies" openssl req -in "$T/cm.csr" -verify -noout
openssl req -in "$T/cm.csr" -noout -subject >"$T/out"
contains "CSR CN is the FQDN" "$T/out" "CN = cucm-pub.example.test"
openssl req -in "$T/cm.csr" -noout -text >"$T/out"
contains "CSR SAN: the node" "$T/out" "DNS:cucm-pub.example.test"
contains "CSR SAN: --san" "$T/out" "DNS:voice.example.test"
contains "CSR SAN: parent domain" "$T/out" "DNS:example.test"
"$TLVSIGN" --json token status >"$T/out"
contains "the CSR key is in the token" "$T/out" '"label": "CallManager@cucm-pub#csr"'

# refusals first: each leaves everything as it was
"$TLVSIGN" --json cert list >"$T/before.json"
openssl req -newkey rsa:2048 -nodes -keyout "$T/other.key" \
    -subj "/CN=cucm-pub.example.test" -out "$T/other.csr" 2>/dev/null
casign "$T/other.csr" "$T/other.pem" tls "$now" "$later"
refuse "a certificate for another key" 1 "$TLVSIGN" cert import CallManager "$T/other.pem"
contains "says it does not match" "$T/err" "does not match"
casign "$T/cm.csr" "$T/expired.pem" tls 20200101000000Z 20210101000000Z
refuse "an expired certificate" 1 "$TLVSIGN" cert import CallManager "$T/expired.pem"
contains "says expired" "$T/err" "expired"
casign "$T/cm.csr" "$T/future.pem" tls 20990101000000Z 21000101000000Z
refuse "a certificate not yet valid" 1 "$TLVSIGN" cert import CallManager "$T/future.pem"
contains "says not valid yet" "$T/err" "not valid yet"
casign "$T/cm.csr" "$T/usage.pem" wrongusage "$now" "$later"
refuse "wrong key usage" 1 "$TLVSIGN" cert import CallManager "$T/usage.pem"
contains "names the missing usage" "$T/err" "digitalSignature"
casign "$T/cm.csr" "$T/noserver.pem" noserver "$now" "$later"
refuse "no serverAuth for a TLS purpose" 1 "$TLVSIGN" cert import CallManager "$T/noserver.pem"
echo "not a certificate" >"$T/garbage.pem"
refuse "garbage" 1 "$TLVSIGN" cert import CallManager "$T/garbage.pem"
refuse "no pending CSR for TVS" 1 "$TLVSIGN" cert import TVS "$T/other.pem"
contains "says to make a CSR" "$T/err" "cert csr"
"$TLVSIGN" --json cert list >"$T/after.json"
cmp -s "$T/before.json" "$T/after.json" && ok "refusals changed nothing" ||
    not_ok "refusals changed nothing"

# the real thing, with its chain
casign "$T/cm.csr" "$T/cm.pem" tls "$now" "$later"
cat "$T/cm.pem" "$ca/ca.pem" >"$T/cm-chain.pem"
itl_before=$(md5sum "$T/tftp/ITLFile.tlv" | cut -d' ' -f1)
run "import the CA-signed certificate with its chain" \
    "$TLVSIGN" cert import CallManager "$T/cm-chain.pem"
contains "one issuing certificate stored" "$T/out" "1 issuing certificate stored"
"$TLVSIGN" --json cert show CallManager >"$T/out"
contains "issuer is the CA" "$T/out" '"issuer": "CN=tlvsign Test CA"'
contains "the key took its final label" "$T/out" '"key_label": "CallManager@cucm-pub"'
"$TLVSIGN" cert export CallManager >"$T/export.pem"
n=$(grep -c 'BEGIN CERTIFICATE' "$T/export.pem")
[ "$n" -eq 2 ] && ok "export gives the certificate and its chain" ||
    not_ok "export gives the certificate and its chain ($n)"
openssl x509 -in "$T/export.pem" -noout -pubkey >"$T/cert.pub"
openssl req -in "$T/cm.csr" -noout -pubkey >"$T/csr.pub"
cmp -s "$T/cert.pub" "$T/csr.pub" &&
    ok "the certificate's key is the token's key" ||
    not_ok "the certificate's key is the token's key"
run "the chain verifies with openssl" openssl verify -CAfile "$ca/ca.pem" "$T/export.pem"
itl_after=$(md5sum "$T/tftp/ITLFile.tlv" | cut -d' ' -f1)
[ "$itl_before" != "$itl_after" ] && ok "the ITL was rebuilt" ||
    not_ok "the ITL was rebuilt"
run "the rebuilt ITL verifies" "$TLVSIGN" show itl
contains "the ITL carries the CA-signed certificate" "$T/out" "CN=tlvsign Test CA"
"$TLVSIGN" --json token status >"$T/out"
grep -q '#csr' "$T/out" && not_ok "no CSR key left" || ok "no CSR key left"
contains "the self-signed key is retired" "$T/out" '"label": "CallManager@cucm-pub#retired"'
refuse "the same certificate again: no pending CSR" 1 "$TLVSIGN" cert import CallManager "$T/cm.pem"

# a new CSR replaces the pending one and destroys its key
run "first TVS CSR" "$TLVSIGN" cert csr TVS --out "$T/tvs1.csr"
run "second TVS CSR" "$TLVSIGN" cert csr TVS --out "$T/tvs2.csr"
contains "says the first was replaced" "$T/err" "replaced"
n=$("$TLVSIGN" --json token status | grep -c '"label": "TVS@cucm-pub#csr"')
[ "$n" -eq 2 ] && ok "one CSR key pair left (private, public)" ||
    not_ok "one CSR key pair left ($n objects)"
casign "$T/tvs1.csr" "$T/tvs1.pem" tls "$now" "$later"
refuse "a certificate for the replaced CSR" 1 "$TLVSIGN" cert import TVS "$T/tvs1.pem"
casign "$T/tvs2.csr" "$T/tvs2.pem" tls "$now" "$later"
run "the certificate for the new CSR" "$TLVSIGN" cert import TVS "$T/tvs2.pem"

# names per distribution
"$TLVSIGN" cert csr CallManager --distribution multi-server >"$T/ms.csr"
openssl req -in "$T/ms.csr" -noout -subject >"$T/out"
contains "multi-server CN" "$T/out" "CN = cucm-pub-ms.example.test"
"$TLVSIGN" cert csr CallManager-ECDSA --distribution multi-server >"$T/ecms.csr"
openssl req -in "$T/ecms.csr" -noout -subject >"$T/out"
contains "EC multi-server CN" "$T/out" "CN = cucm-pub-EC-ms.example.test"
openssl req -in "$T/ecms.csr" -noout -text >"$T/out"
contains "EC CSR has an EC key" "$T/out" "id-ecPublicKey"
"$TLVSIGN" cert csr CallManager-ECDSA >"$T/ec.csr"
openssl req -in "$T/ec.csr" -noout -subject >"$T/out"
contains "EC CN" "$T/out" "CN = cucm-pub-EC.example.test"
refuse "ITLRecovery has no multi-server form" 1 "$TLVSIGN" cert csr ITLRecovery --distribution multi-server
refuse "a CSR with RSA 1024" 1 "$TLVSIGN" cert csr CallManager --key-length 1024

done_testing
