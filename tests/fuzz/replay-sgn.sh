#!/bin/sh
# Replay the .sgn / .enc.sgn fuzz corpus, plus every seventh truncation and
# a batch of single-byte overwrites of each seed, through the fuzz target.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/tlvsign-fuzz.XXXXXX")
trap 'rm -rf "$T"' EXIT
: >"$T/err"
replay=$top_builddir/tests/fuzz/replay_sgn
corpus=$top_srcdir/tests/fuzz/corpus/sgn

run "replay the seed corpus" "$replay" "$corpus"/*
for f in "$corpus"/*; do
	size=$(stat -c %s "$f")
	i=0
	set --
	while [ "$i" -lt "$size" ]; do
		head -c "$i" "$f" >"$T/cut.$i"
		set -- "$@" "$T/cut.$i"
		i=$((i + 7))
	done
	run "truncations of $(basename "$f")" "$replay" "$@"
	rm -f "$T"/cut.*

	# 0xFF or 0x00 over every fourth byte: lengths, tags, the
	# encryption block, the ciphertext
	i=0
	set --
	while [ "$i" -lt "$size" ]; do
		if [ $((i % 8)) -eq 0 ]; then b='\377'; else b='\000'; fi
		cp "$f" "$T/mut.$i"
		printf "$b" | dd of="$T/mut.$i" bs=1 seek="$i" conv=notrunc \
		    2>/dev/null
		set -- "$@" "$T/mut.$i"
		i=$((i + 4))
	done
	run "overwrites of $(basename "$f")" "$replay" "$@"
	rm -f "$T"/mut.*
done
done_testing
