# replay-lib.sh - replay a fuzz target's seed corpus, every seventh
# truncation and a batch of single-byte overwrites (0xFF or 0x00 over
# every fourth byte: lengths, tags, values) of each seed, through the
# target built as a plain program (tests/fuzz/replay_NAME).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

replay_corpus() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/tlvsign-fuzz.XXXXXX")
	trap 'rm -rf "$T"' EXIT
	: >"$T/err"
	replay=$top_builddir/tests/fuzz/replay_$1
	corpus=$top_srcdir/tests/fuzz/corpus/$1

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
		i=0
		set --
		while [ "$i" -lt "$size" ]; do
			if [ $((i % 8)) -eq 0 ]; then b='\377'; else b='\000'; fi
			cp "$f" "$T/mut.$i"
			printf "$b" | dd of="$T/mut.$i" bs=1 seek="$i" \
			    conv=notrunc 2>/dev/null
			set -- "$@" "$T/mut.$i"
			i=$((i + 4))
		done
		run "overwrites of $(basename "$f")" "$replay" "$@"
		rm -f "$T"/mut.*
	done
	done_testing
}
