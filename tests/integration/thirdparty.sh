#!/bin/sh
# A trust list made without tlvsign's C code: this script writes the bytes
# by hand (the third-party layout of FORMATS.md and vectors/README.md: DNs
# joined by ',', signer version tag 28, record elements in the order
# 1,3,5,6,4,7,8,9, an unknown role code) and signs them with the openssl
# command. `tlvsign show itl` must parse and verify it, and reject any
# alteration.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/tlvsign-3p.XXXXXX")
trap 'rm -rf "$T"' EXIT
: >"$T/err"
cd "$T" || exit 1

# bytes: write each argument (a number 0-255) as one byte
bytes() {
	for b in "$@"; do
		printf "\\$(printf '%03o' "$b")"
	done
}
u16() {
	bytes $(($1 >> 8)) $(($1 & 255))
}
# elem TAG FILE: tag, 2-byte length, the file's bytes
elem() {
	bytes "$1"
	u16 "$(stat -c %s "$2")"
	cat "$2"
}
# strfile FILE TEXT: TEXT and a NUL
strfile() {
	printf '%s' "$2" >"$1"
	bytes 0 >>"$1"
}
hexfile() {
	hex=$2
	: >"$1"
	while [ -n "$hex" ]; do
		rest=${hex#??}
		bytes $((0x${hex%"$rest"})) >>"$1"
		hex=$rest
	done
}

mkcert() { # NAME CN
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" \
	    -subj "/C=NZ/O=Third Party/CN=$2" -days 365 -outform DER \
	    -out "$1.der" 2>/dev/null
	openssl x509 -inform DER -in "$1.der" -noout -serial |
	    sed 's/serial=//' >"$1.serialhex"
	hexfile "$1.serial" "$(sed 's/^\(00\)*//' "$1.serialhex")"
	openssl x509 -inform DER -in "$1.der" -noout -pubkey |
	    openssl rsa -pubin -RSAPublicKey_out -outform DER \
	    -out "$1.pub" 2>/dev/null
	tail -c 256 "$1.der" >"$1.sig"
	strfile "$1.dn" "CN=$2,O=Third Party,C=NZ"
}

record() { # NAME ROLE OUT
	u16 "$2" >role
	{
		elem 3 "$1.dn"
		elem 5 "$1.dn"
		elem 6 "$1.serial"
		elem 4 role
		elem 7 "$1.pub"
		elem 8 "$1.sig"
		elem 9 "$1.der"
	} >body
	len=$(($(stat -c %s body) + 5))
	{ bytes 1; u16 2; u16 "$len"; cat body; } >"$3"
}

mkcert sast "itlrecovery.third.example"
mkcert tftp "tftp.third.example"
record sast 0 rec1
record tftp 2 rec2
record tftp 99 rec3

# header without the signature element; its length counts 3 + 256 for it
strfile fname "ITLFile.tlv"
{
	bytes 4; u16 "$(stat -c %s sast.dn)"; cat sast.dn
	bytes 5; u16 "$(stat -c %s sast.serial)"; cat sast.serial
	bytes 6; u16 "$(stat -c %s sast.dn)"; cat sast.dn
} >signer
bytes 1 >hash
{
	bytes 28 0 2 1 1
	bytes 3; u16 "$(stat -c %s signer)"; cat signer
	bytes 7 0 15 8 0 1 1 9 0 8 10 0 1 0 11 0 1 2
} >head_a
{ elem 14 fname; bytes 15 0 4 105 0 0 0; } >head_b
fixed=$((10 + $(stat -c %s head_a) + 259 + $(stat -c %s head_b)))
pad=$(((4 - fixed % 4) % 4))
hlen=$((fixed + pad))
{
	bytes 1 0 2 1 2 2 0 2; u16 "$hlen"
	cat head_a head_b
	i=0; while [ "$i" -lt "$pad" ]; do bytes 13; i=$((i + 1)); done
	cat rec1 rec2 rec3
} >unsigned
openssl dgst -sha1 -sign sast.key -out sig unsigned
cut=$((10 + $(stat -c %s head_a)))
{
	head -c "$cut" unsigned
	bytes 12; u16 256; cat sig
	tail -c +$((cut + 1)) unsigned
} >third.tlv

run "show itl verifies a trust list written without tlvsign" \
    "$TLVSIGN" show itl third.tlv
contains "the SAST signer is recognised" "$T/out" "This etoken was used to sign the ITL file."
contains "comma-joined DN shown as written" "$T/out" "CN=itlrecovery.third.example,O=Third Party,C=NZ"
contains "signer version shown" "$T/out" "SIGNERVERSION	2	1.1"
contains "unknown role code shown as a number" "$T/out" "FUNCTION	2	99"
n=$(grep -c "ITL Record #" "$T/out")
[ "$n" -eq 3 ] && ok "three records" || not_ok "three records ($n)"
run "show itl --json" "$TLVSIGN" --json show itl third.tlv
contains "json: role 99 kept" "$T/out" '"role": 99'
contains "json: verified" "$T/out" '"verified": true'

# the same bytes, altered, are refused
cp third.tlv altered.tlv
printf 'X' | dd of=altered.tlv bs=1 seek=$((hlen + 40)) conv=notrunc 2>/dev/null
refuse "an altered record is refused" 1 "$TLVSIGN" show itl altered.tlv
head -c $((hlen + 100)) third.tlv >short.tlv
refuse "a truncated file is refused" 1 "$TLVSIGN" show itl short.tlv
# signed by a key that is not the SAST's
openssl dgst -sha1 -sign tftp.key -out badsig unsigned
{
	head -c "$cut" unsigned
	bytes 12; u16 256; cat badsig
	tail -c +$((cut + 1)) unsigned
} >forged.tlv
refuse "a signature by another key is refused" 1 "$TLVSIGN" show itl forged.tlv
contains "says the signature does not verify" "$T/err" "does not verify"

done_testing
