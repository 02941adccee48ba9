#!/bin/sh
# Replay the certificate-import fuzz corpus, plus every seventh truncation
# of each seed, through the fuzz target.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/tlvsign-fuzz.XXXXXX")
trap 'rm -rf "$T"' EXIT
: >"$T/err"
replay=$top_builddir/tests/fuzz/replay_certimport
corpus=$top_srcdir/tests/fuzz/corpus/certimport

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
done
done_testing
