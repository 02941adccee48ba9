#!/bin/sh
# Signed and encrypted configuration files: round trips, tamper detection,
# strip, incremental bulk signing, autoregistration, encryption for a
# phone's key.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

setup_token || { echo "Bail out! cannot create a SoftHSM2 token"; exit 1; }
"$TLVSIGN" init >/dev/null
cfg=$T/SEP001122334455.cnf.xml
cp "$top_srcdir/tests/data/ext-SEP001122334455.cnf.xml" "$cfg"

# before there is an ITLRecovery key to sign audit checkpoints with, the
# audited operations go on (the checkpoint waits for the key)
"$TLVSIGN" cert generate CallManager >/dev/null || echo "Bail out! generate CallManager"
cp "$cfg" "$T/early.cnf.xml"
fails=0
i=0
while [ $i -lt 30 ]; do
	i=$((i + 1))
	"$TLVSIGN" sign --all "$T/early.cnf.xml" >/dev/null 2>"$T/err" ||
	    fails=$((fails + 1))
done
[ $fails -eq 0 ] && ok "30 signatures before an ITLRecovery key exists" ||
    not_ok "30 signatures before an ITLRecovery key exists ($fails failed)"
for p in ITLRecovery TVS CAPF; do
	"$TLVSIGN" cert generate "$p" >/dev/null || echo "Bail out! generate $p"
done
run "the first checkpoint once ITLRecovery exists" "$TLVSIGN" audit checkpoint
run "the audit log verifies" "$TLVSIGN" audit verify

run "sign one file" "$TLVSIGN" sign "$cfg"
contains "prints the .sgn" "$T/out" "$cfg.sgn"
run "show sgn verifies (signer from the inventory)" "$TLVSIGN" show sgn "$cfg.sgn"
contains "verified" "$T/out" "The signed file was verified successfully."
contains "internal name" "$T/out" "(SEP001122334455.cnf.xml.sgn)"
"$TLVSIGN" show sgn "$cfg.sgn" >"$T/out"
contains "version 1.0" "$T/out" "Version:	1.0"
"$TLVSIGN" --json show sgn "$cfg.sgn" >"$T/out"
contains "json: verified" "$T/out" '"verified": true'
"$TLVSIGN" strip "$cfg.sgn" >"$T/stripped"
cmp -s "$cfg" "$T/stripped" && ok "strip gives back the original byte for byte" ||
    not_ok "strip gives back the original byte for byte"
run "strip --out" "$TLVSIGN" strip "$cfg.sgn" --out "$T/stripped2"
cmp -s "$cfg" "$T/stripped2" && ok "strip --out too" || not_ok "strip --out too"
"$TLVSIGN" cert export CallManager >"$T/cm.pem"
run "show sgn --cert" "$TLVSIGN" show sgn "$cfg.sgn" --cert "$T/cm.pem"
"$TLVSIGN" cert export TVS >"$T/tvs.pem"
refuse "show sgn with another certificate" 1 "$TLVSIGN" show sgn "$cfg.sgn" --cert "$T/tvs.pem"

# the signature, checked by openssl alone
od -An -v -tu1 "$cfg.sgn" | tr -s ' ' '\n' >"$T/bytes"
hlen=$(awk 'NF{b[n++]=$1} END{print b[8]*256+b[9]}' "$T/bytes")
sigoff=$(awk 'NF{b[n++]=$1} END{p=10; while (p < n) { t=b[p]; if (t==13) {p++; continue}; l=b[p+1]*256+b[p+2]; if (t==3||t==7||t==9) {p+=3; continue}; if (t==12) {print p; exit}; p+=3+l }}' "$T/bytes")
head -c "$sigoff" "$cfg.sgn" >"$T/signed"
tail -c +$((sigoff + 3 + 256 + 1)) "$cfg.sgn" >>"$T/signed"
tail -c +$((sigoff + 4)) "$cfg.sgn" | head -c 256 >"$T/sig"
openssl x509 -in "$T/cm.pem" -pubkey -noout >"$T/cm.pub"
run "openssl verifies the .sgn signature" openssl dgst -sha1 -verify "$T/cm.pub" \
    -signature "$T/sig" "$T/signed"
tail -c +$((hlen + 1)) "$cfg.sgn" | cmp -s - "$cfg" &&
    ok "the original follows the header" || not_ok "the original follows the header"

# a flipped byte anywhere fails
size=$(stat -c %s "$cfg.sgn")
bad=0
for pos in 0 3 9 20 $sigoff $((sigoff + 50)) $((hlen - 1)) $hlen \
    $((hlen + 100)) $((size - 1)); do
	cp "$cfg.sgn" "$T/flip.sgn"
	byte=$(od -An -tu1 -j "$pos" -N1 "$cfg.sgn" | tr -d ' ')
	printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" |
	    dd of="$T/flip.sgn" bs=1 seek="$pos" conv=notrunc 2>/dev/null
	"$TLVSIGN" show sgn "$T/flip.sgn" >/dev/null 2>&1 && bad=$((bad + 1))
done
[ "$bad" -eq 0 ] && ok "every flipped byte is detected" || not_ok "$bad flips accepted"

run "--filename sets the internal name" "$TLVSIGN" sign --filename \
    Desktops/320x196x4/List.xml.sgn --out-dir "$T/out-dir" "$cfg"
"$TLVSIGN" --verbose show sgn "$T/out-dir/SEP001122334455.cnf.xml.sgn" >"$T/out"
contains "relative path inside" "$T/out" "(Desktops/320x196x4/List.xml.sgn)"
refuse "--filename with two files" 1 "$TLVSIGN" sign --filename x.sgn "$cfg" "$cfg"

# bulk and incremental
mkdir -p "$T/cfg/sub"
i=0
while [ "$i" -lt 60 ]; do
	i=$((i + 1))
	printf '<device><n>%d</n></device>\n' "$i" >"$T/cfg/SEP$(printf '%012d' "$i").cnf.xml"
done
echo '<device/>' >"$T/cfg/sub/SEP999999999999.cnf.xml"
run "sign --dir" "$TLVSIGN" sign --dir "$T/cfg"
contains "61 signed" "$T/out" "61 files: 61 signed, 0 unchanged"
n=$(find "$T/cfg" -name '*.sgn' | wc -l)
[ "$n" -eq 61 ] && ok "61 .sgn files, subdirectories too" || not_ok "61 .sgn files ($n)"
run "sign --dir again" "$TLVSIGN" sign --dir "$T/cfg"
contains "all unchanged" "$T/out" "61 files: 0 signed, 61 unchanged"
echo "<changed/>" >>"$T/cfg/SEP000000000007.cnf.xml"
touch "$T/cfg/SEP000000000008.cnf.xml"
rm "$T/cfg/SEP000000000009.cnf.xml.sgn"
run "sign --dir after changes" "$TLVSIGN" sign --dir "$T/cfg"
contains "exactly the changed and the missing" "$T/out" "61 files: 2 signed, 59 unchanged"
touch -a -d '2001-02-03 04:05:06' "$T/cfg/SEP000000000001.cnf.xml"
atime=$(stat -c %X "$T/cfg/SEP000000000001.cnf.xml")
run "sign --dir --all" "$TLVSIGN" sign --dir "$T/cfg" --all --jobs 3
contains "--all signs everything" "$T/out" "61 files: 61 signed"
[ "$(stat -c %X "$T/cfg/SEP000000000001.cnf.xml")" = "$atime" ] &&
    ok "reading the files to sign leaves their access time" ||
    not_ok "reading the files to sign leaves their access time"
# the progress bar: on a terminal only
grep -q '\[#' "$T/err" && not_ok "no progress bar without a terminal" ||
    ok "no progress bar without a terminal"
if command -v script >/dev/null 2>&1; then
	script -qec "'$TLVSIGN' sign --dir '$T/cfg' --all" /dev/null \
	    >"$T/tty.out" 2>&1
	contains "a progress bar on a terminal" "$T/tty.out" \
	    "signing [########################################] 61/61"
	contains "then the summary" "$T/tty.out" "61 files: 61 signed"
else
	skip "a progress bar on a terminal" "(no script(1))"
fi
# signing with the token's key itself, not session copies of it
sed 's/^\[token\]$/[token]\ncopy-keys = no/' "$T/tlvsign.conf" >"$T/nocopy.conf"
grep -q '^copy-keys = no$' "$T/nocopy.conf" || echo "Bail out! nocopy.conf"
run "sign --dir with copy-keys = no" env TLVSIGN_CONF="$T/nocopy.conf" \
    "$TLVSIGN" sign --dir "$T/cfg" --all --jobs 2
contains "copy-keys = no signs everything" "$T/out" "61 files: 61 signed"
run "a file signed with copy-keys = no verifies" "$TLVSIGN" show sgn \
    "$T/cfg/SEP000000000005.cnf.xml.sgn"
contains "verified (copy-keys = no)" "$T/out" "The signed file was verified successfully."
# a token that refuses to copy the key: the key itself signs
if faults_built; then
	run "sign --dir when the token makes no copy" env \
	    TLVSIGN_FAULT=token_copy "$TLVSIGN" sign --dir "$T/cfg" --all --jobs 2
	contains "no copy: signs everything" "$T/out" "61 files: 61 signed"
	run "a file signed without a copy verifies" "$TLVSIGN" show sgn \
	    "$T/cfg/SEP000000000006.cnf.xml.sgn"
	# files that may not be on the disk are not recorded as signed
	mkdir "$T/cfg2"
	for i in 1 2 3; do
		echo "<d>$i</d>" >"$T/cfg2/SEP00000000000$i.cnf.xml"
	done
	refuse "sign --dir when the file system cannot sync" 1 env \
	    TLVSIGN_FAULT=sync_fs "$TLVSIGN" sign --dir "$T/cfg2"
	contains "says the sync failed" "$T/err" "cannot sync the file system"
	[ ! -s "$T/out" ] && ok "no summary claims the files signed" ||
	    not_ok "no summary claims the files signed"
	"$TLVSIGN" audit show >"$T/audit.txt" 2>&1
	grep -q "files=3 signed=3" "$T/audit.txt" &&
	    not_ok "no success audited after the failed sync" ||
	    ok "no success audited after the failed sync"
	run "sign --dir after the failed sync" "$TLVSIGN" sign --dir "$T/cfg2"
	contains "nothing was recorded: all signed again" "$T/out" \
	    "3 files: 3 signed, 0 unchanged"
	"$TLVSIGN" audit show >"$T/audit.txt" 2>&1
	grep -q "files=3 signed=3" "$T/audit.txt" &&
	    ok "the signing that succeeded is audited" ||
	    not_ok "the signing that succeeded is audited"
	# a write-back error reported to a sync on the way, not to the last
	mkdir "$T/cfg3"
	i=0
	while [ "$i" -lt 300 ]; do
		i=$((i + 1))
		echo "<d>$i</d>" >"$T/cfg3/SEP$(printf '%012d' "$i").cnf.xml"
	done
	refuse "sign --dir when a sync on the way fails" 1 env \
	    TLVSIGN_FAULT=sync_fs_first "$TLVSIGN" sign --dir "$T/cfg3" --jobs 2
	contains "says that sync failed" "$T/err" "cannot sync the file system"
	run "sign --dir after it" "$TLVSIGN" sign --dir "$T/cfg3" --jobs 2
	contains "nothing was recorded then" "$T/out" \
	    "300 files: 300 signed, 0 unchanged"
fi
run "sign --dir --out-dir" "$TLVSIGN" sign --dir "$T/cfg" --out-dir "$T/signed-out"
[ -f "$T/signed-out/sub/SEP999999999999.cnf.xml.sgn" ] &&
    ok "--out-dir mirrors the tree" || not_ok "--out-dir mirrors the tree"
run "a bulk-signed file verifies" "$TLVSIGN" show sgn "$T/cfg/sub/SEP999999999999.cnf.xml.sgn"
# what --dir takes: files in the tree; not hidden files or directories,
# .sgn, .tlv, the leftover of an interrupted write, or symbolic links
mkdir -p "$T/walk/a/b" "$T/walk/.hid"
for f in one.cnf.xml a/b/two.cnf.xml .hidden.cnf.xml .hid/three.cnf.xml \
    ITLFile.tlv one.cnf.xml.tmp.AbC123; do
	echo '<x/>' >"$T/walk/$f"
done
ln -s "$T/walk/one.cnf.xml" "$T/walk/link.cnf.xml"
ln -s "$T/walk/a" "$T/walk/linkdir"
run "sign --dir DIR/" "$TLVSIGN" sign --dir "$T/walk/"
contains "takes the two files and nothing else" "$T/out" "2 files: 2 signed"
[ -f "$T/walk/a/b/two.cnf.xml.sgn" ] && [ ! -e "$T/walk/link.cnf.xml.sgn" ] &&
    [ ! -e "$T/walk/.hid/three.cnf.xml.sgn" ] && ok "the right .sgn files" ||
    not_ok "the right .sgn files"
refuse "sign --dir of a file" 1 "$TLVSIGN" sign --dir "$T/walk/one.cnf.xml"
contains "says so" "$T/err" "Not a directory"
refuse "sign --dir of nothing" 1 "$TLVSIGN" sign --dir "$T/nosuch"
if [ "$(id -u)" -ne 0 ]; then
	chmod 000 "$T/walk/a"
	refuse "an unreadable subdirectory is an error" 1 "$TLVSIGN" sign --dir "$T/walk"
	chmod 755 "$T/walk/a"
else
	skip "an unreadable subdirectory is an error" "(root reads every directory)"
fi
refuse "sign a missing file" 1 "$TLVSIGN" sign "$T/nosuch.xml"
refuse "sign: file or --dir" 2 "$TLVSIGN" sign

# autoregistration: the default configuration follows the trust files
echo '<default/>' >"$T/tftp/XMLDefault.cnf.xml" 2>/dev/null ||
    { mkdir -p "$T/tftp"; echo '<default/>' >"$T/tftp/XMLDefault.cnf.xml"; }
run "itl build" "$TLVSIGN" itl build
[ -f "$T/tftp/XMLDefault.cnf.xml.sgn" ] && ok "XMLDefault.cnf.xml signed with the ITL" ||
    not_ok "XMLDefault.cnf.xml signed with the ITL"
before=$(md5sum "$T/tftp/XMLDefault.cnf.xml.sgn" | cut -d' ' -f1)
sleep 1
run "regenerate CallManager" "$TLVSIGN" cert regenerate CallManager
[ "$before" != "$(md5sum "$T/tftp/XMLDefault.cnf.xml.sgn" | cut -d' ' -f1)" ] &&
    ok "re-signed when the trust files are republished" ||
    not_ok "re-signed when the trust files are republished"
run "by the new key" "$TLVSIGN" show sgn "$T/tftp/XMLDefault.cnf.xml.sgn"
"$TLVSIGN" sign --dir "$T/cfg" >"$T/out"
contains "a new signer re-signs everything" "$T/out" "61 signed"

# encryption for a phone
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/phone.key" \
    -subj "/CN=SEP001122334455" -days 30 -out "$T/phone.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" \
    -subj "/CN=SEP00AABBCCDDEE" -days 30 -out "$T/other.pem" 2>/dev/null
mkdir -p "$T/enc"
run "encrypt" "$TLVSIGN" encrypt --phone-cert "$T/phone.pem" --out-dir "$T/enc" "$cfg"
enc=$T/enc/SEP001122334455.cnf.xml.enc.sgn
stub=$T/enc/SEP001122334455.cnf.xml.sgn
[ -f "$enc" ] && [ -f "$stub" ] && ok "the .enc.sgn and the stub are written" ||
    not_ok "the .enc.sgn and the stub are written"
run "show sgn verifies the encrypted file" "$TLVSIGN" show sgn "$enc"
contains "version 2.0" "$T/out" "Version:	2.0"
contains "encryption info shown" "$T/out" "ENCRYPTIONINFO"
run "the stub verifies" "$TLVSIGN" show sgn "$stub"
"$TLVSIGN" strip "$stub" >"$T/stub.xml"
contains "stub: not the full configuration" "$T/stub.xml" "<fullConfig>false</fullConfig>"
contains "stub: encrypted" "$T/stub.xml" "<encrConfig>true</encrConfig>"
md5=$(openssl x509 -in "$T/phone.pem" -outform DER | md5sum | cut -d' ' -f1)
contains "stub: the MD5 of the phone certificate" "$T/stub.xml" "<certHash>$md5</certHash>"
run "decrypt with the phone's key" "$TLVSIGN" decrypt --phone-key "$T/phone.key" \
    --out "$T/decrypted" "$enc"
cmp -s "$cfg" "$T/decrypted" && ok "decrypts to the original" ||
    not_ok "decrypts to the original"
refuse "decrypt with another phone's key" 1 "$TLVSIGN" decrypt --phone-key "$T/other.key" "$enc"
contains "says it was not for this key" "$T/err" "not encrypted for this phone"
refuse "decrypt a plain .sgn" 1 "$TLVSIGN" decrypt --phone-key "$T/phone.key" "$cfg.sgn"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/ec.key" 2>/dev/null
openssl req -x509 -key "$T/ec.key" -subj "/CN=EC" -days 3 -out "$T/ec.pem" 2>/dev/null
refuse "encrypt to an EC certificate" 1 "$TLVSIGN" encrypt --phone-cert "$T/ec.pem" "$cfg"

run "the audit log records the signing" "$TLVSIGN" audit show
contains "config.sign" "$T/out" "config.sign"
contains "config.encrypt" "$T/out" "config.encrypt"

done_testing
