# tlvwalk.awk - an independent, minimal walk of a trust list (FORMATS.md
# sections 1-3), written apart from the C parser so that the signature
# check of the tests rests on the openssl command alone.
#
# Input: one decimal byte per line (od -An -v -tu1 | tr -s ' ' '\n').
# Output: "SIGOFF SIGLEN CERTOFF CERTLEN HASH" where CERT is the DER
# certificate of the SAST record whose serial equals the header's.
NF { b[n++] = $1 + 0 }
function u16(i) { return b[i] * 256 + b[i + 1] }
END {
	if (b[0] != 1 || b[5] != 2) { print "bad header" > "/dev/stderr"; exit 1 }
	hlen = u16(8)
	pos = 10
	while (pos < hlen) {
		t = b[pos]
		if (t == 13) { pos++; continue }
		l = u16(pos + 1)
		if (t == 3 || t == 7 || t == 9) { pos += 3; continue }
		if (t == 12) { sigoff = pos; siglen = l }
		if (t == 8) hash = b[pos + 3]
		if (t == 5) { soff = pos + 3; slen = l }
		pos += 3 + l
	}
	while (pos < n) {
		rlen = u16(pos + 3)
		end = pos + rlen
		p = pos + 5
		role = -1; coff = 0; clen = 0; match_serial = 0
		while (p < end) {
			t = b[p]; l = u16(p + 1)
			if (t == 4) role = u16(p + 3)
			if (t == 9) { coff = p + 3; clen = l }
			if (t == 6 && l == slen) {
				same = 1
				for (i = 0; i < l; i++)
					if (b[p + 3 + i] != b[soff + i]) same = 0
				match_serial = same
			}
			p += 3 + l
		}
		if (role == 0 && match_serial && coff) {
			certoff = coff; certlen = clen
		}
		pos = end
	}
	if (!certoff || !sigoff) { print "no signer" > "/dev/stderr"; exit 1 }
	print sigoff, siglen, certoff, certlen, hash
}
