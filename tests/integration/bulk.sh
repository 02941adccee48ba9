#!/bin/sh
# Bulk certificates between two clusters on one token: export,
# consolidate, import into the TVS trust store, list, remove; malformed
# archives change nothing; and the phone-trust check lets phones of this
# cluster take the other cluster's ITL once TVS vouches for its signer.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }
"$TLVSIGN" init >/dev/null
for p in ITLRecovery CallManager TVS CAPF; do
	"$TLVSIGN" cert generate "$p" >/dev/null || echo "Bail out! generate $p"
done
"$TLVSIGN" itl build >/dev/null || echo "Bail out! itl build"

# cluster B: its own state, same token
sed -e 's/^name = testcluster/name = clusterb/' \
    -e 's/^state-dir = state/state-dir = stateb/' \
    -e 's/^tftp-dir = tftp/tftp-dir = tftpb/' \
    -e 's/^hostname = cucm-pub/hostname = cucm-b/' \
    "$T/tlvsign.conf" >"$T/b.conf"
B() { "$TLVSIGN" --config "$T/b.conf" "$@"; }
B init >/dev/null
for p in ITLRecovery CallManager TVS; do
	B cert generate "$p" >/dev/null || echo "Bail out! B generate $p"
done
B itl build >/dev/null || echo "Bail out! B itl build"

imported() {
	"$TLVSIGN" cert bulk list --json | grep -c '"sha256"'
}

# export
run "B: bulk export (all)" B cert bulk export --out "$T/b.json"
contains "three certificates of clusterb" "$T/out" "Exported 3 certificates of cluster clusterb"
contains "the archive names its format" "$T/b.json" '"format": "tlvsign-bulk-certificates"'
contains "the ITLRecovery signs as SAST" "$T/b.json" '"SAST"'
run "B: bulk export --type tftp" B cert bulk export --type tftp --out "$T/b-tftp.json"
contains "one TFTP certificate" "$T/out" "Exported 1 certificate of"
contains "the publisher runs CallManager: CCM+TFTP" "$T/b-tftp.json" '"CCM+TFTP"'
grep -q '"SAST"' "$T/b-tftp.json" && not_ok "tftp export has no SAST" ||
    ok "tftp export has no SAST"
run "B: bulk export --type itlrecovery" B cert bulk export --type itlrecovery --out "$T/b-rec.json"
contains "one ITLRecovery certificate" "$T/out" "Exported 1 certificate of"
run "A: bulk export" "$TLVSIGN" cert bulk export --out "$T/a.json"
contains "four certificates of testcluster" "$T/out" "Exported 4 certificates"
refuse "export --type bogus is a usage error" 2 "$TLVSIGN" cert bulk export --type bogus --out "$T/x.json"
refuse "export without --out is a usage error" 2 "$TLVSIGN" cert bulk export
refuse "export into a missing directory" 1 "$TLVSIGN" cert bulk export --out "$T/no/such/dir/x.json"
sed -e 's/^name = testcluster/name = empty/' -e 's/^state-dir = state/state-dir = statec/' \
    "$T/tlvsign.conf" >"$T/c.conf"
"$TLVSIGN" --config "$T/c.conf" init >/dev/null
refuse "export of a cluster without certificates" 1 "$TLVSIGN" --config "$T/c.conf" cert bulk export --out "$T/c.json"
[ -e "$T/c.json" ] && not_ok "no file written" || ok "no file written"

# consolidate
run "consolidate three files" "$TLVSIGN" cert bulk consolidate --out "$T/all.json" "$T/a.json" "$T/b.json" "$T/b-tftp.json"
contains "seven certificates, one duplicate dropped" "$T/out" "Consolidated 7 certificates from 3 files"
contains "the duplicate is counted" "$T/out" "(1 duplicate dropped)"
run "consolidate --json" "$TLVSIGN" --json cert bulk consolidate --out "$T/all2.json" "$T/b.json" "$T/b.json"
contains "JSON: duplicates" "$T/out" '"duplicates": 3'
refuse "consolidate without files" 2 "$TLVSIGN" cert bulk consolidate --out "$T/x.json"
refuse "consolidate a missing file" 1 "$TLVSIGN" cert bulk consolidate --out "$T/x.json" "$T/missing.json"

# before the import, phones of A refuse B's ITL
"$TLVSIGN" check "$T/tftp/ITLFile.tlv" "$T/tftpb/ITLFile.tlv" >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && ok "before import: A's phones reject B's ITL" ||
    not_ok "before import: A's phones reject B's ITL"
contains "TVS does not vouch for B's signer" "$T/out" "TVS does not vouch for the signer"

# malformed archives change nothing
mk() { sed "$1" "$T/b.json" >"$T/bad.json"; }
bad() {
	desc=$1
	refuse "import refuses $desc" 1 "$TLVSIGN" cert bulk import "$T/bad.json"
	n=$(imported)
	[ "$n" -eq 0 ] && ok "$desc: nothing imported" ||
	    not_ok "$desc: nothing imported ($n)"
}
printf 'not json' >"$T/bad.json"; bad "text that is not JSON"
head -c 300 "$T/b.json" >"$T/bad.json"; bad "a truncated archive"
mk 's/tlvsign-bulk-certificates/other-format/'; bad "another format"
mk 's/"version": 1/"version": 2/'; bad "version 2"
mk 's/"version": 1,/"version": 1, "extra": 0,/'; bad "an unknown member"
mk '0,/"CCM+TFTP"/s//"TFTP+CCM"/'; bad "an unknown role"
mk '0,/"der": "MII/s//"der": "!II/'; bad "bad base64"
mk '0,/"sha256": "[0-9a-f]/s//"sha256": "X/'; bad "a SHA-256 that is not hex"
# a valid SHA-256 of another certificate in the archive: mismatch
s1=$(grep -o '"sha256": "[0-9a-f]*"' "$T/b.json" | sed -n 1p)
s2=$(grep -o '"sha256": "[0-9a-f]*"' "$T/b.json" | sed -n 2p)
mk "s/$s1/\"sha256\": \"$(printf %064d 0)\"/"; bad "a SHA-256 that is not the certificate's"
mk "s/$s2/$s1/"; bad "a SHA-256 given twice"
"$TLVSIGN" cert bulk import "$T/bad.json" 2>"$T/err"
contains "the error names the certificate" "$T/err" "certificate 2 repeats SHA-256"
# the same certificate claimed by this cluster's name
sed 's/"cluster": "clusterb"/"cluster": "testcluster"/' "$T/b.json" >"$T/bad.json"
bad "another cluster's certificate under this cluster's name"
contains "says to name clusters apart" "$T/err" "give every cluster its own name"
refuse "import of this cluster's own export" 1 "$TLVSIGN" cert bulk import "$T/a.json"
contains "says so" "$T/err" "holds only this cluster's own certificates"
refuse "import of a missing file" 1 "$TLVSIGN" cert bulk import "$T/missing.json"
refuse "import takes one file" 2 "$TLVSIGN" cert bulk import "$T/a.json" "$T/b.json"

# import
run "import the consolidated archive" "$TLVSIGN" cert bulk import "$T/all.json"
contains "B's three certificates, A's own skipped" "$T/out" "Imported 3 certificates into the TVS trust store (skipped 0 imported before and 4 of this cluster)"
n=$(imported)
[ "$n" -eq 3 ] && ok "three rows in the TVS trust store" || not_ok "three rows ($n)"
run "import again" "$TLVSIGN" --json cert bulk import "$T/all.json"
contains "nothing new" "$T/out" '"imported": 0'
contains "three imported before" "$T/out" '"already": 3'
run "list" "$TLVSIGN" cert bulk list
contains "list: B's ITLRecovery with SAST" "$T/out" "clusterb  cucm-b  ITLRecovery  roles SAST"
contains "list: B's CallManager" "$T/out" "clusterb  cucm-b  CallManager  roles CCM+TFTP"
run "list --json" "$TLVSIGN" cert bulk list --json
contains "JSON roles" "$T/out" '"CCM+TFTP"'
contains "JSON cluster" "$T/out" '"cluster": "clusterb"'
run "audit records the import" "$TLVSIGN" audit show
contains "audit: cert.bulk.import" "$T/out" "cert.bulk.import           ok: file=$T/all.json imported=3 own=4 already=0"

# the phone-trust check now takes B's ITL through A's TVS
run "after import: A's phones accept B's ITL" "$TLVSIGN" check "$T/tftp/ITLFile.tlv" "$T/tftpb/ITLFile.tlv"
contains "by rule 4, TVS vouching as SAST" "$T/out" "TVS vouches for CN=ITLRECOVERY_cucm-b"
run "publishing on A still passes the check" "$TLVSIGN" itl build

# remove
refuse "remove without --yes and no terminal" 1 "$TLVSIGN" cert bulk remove --cluster clusterb
n=$(imported)
[ "$n" -eq 3 ] && ok "nothing removed unconfirmed" || not_ok "nothing removed unconfirmed ($n)"
refuse "remove needs --cluster or --sha256" 2 "$TLVSIGN" cert bulk remove --yes
refuse "remove an unknown cluster" 1 "$TLVSIGN" cert bulk remove --cluster nosuch --yes
sha=$(echo "$s1" | sed 's/.*: "\(.*\)"/\1/')
run "remove one by SHA-256" "$TLVSIGN" cert bulk remove --sha256 "$sha" --yes
contains "one removed" "$T/out" "Removed 1 certificate from"
run "remove cluster B" "$TLVSIGN" cert bulk remove --cluster clusterb --yes
contains "two removed" "$T/out" "Removed 2 certificates from"
n=$(imported)
[ "$n" -eq 0 ] && ok "the TVS trust store holds no import" || not_ok "empty ($n)"
"$TLVSIGN" check "$T/tftp/ITLFile.tlv" "$T/tftpb/ITLFile.tlv" >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && ok "after remove: A's phones reject B's ITL again" ||
    not_ok "after remove: A's phones reject B's ITL again"
run "the audit log verifies" "$TLVSIGN" audit verify

done_testing
