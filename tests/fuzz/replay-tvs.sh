#!/bin/sh
# Replay the TVS fuzz corpus with truncations and overwrites.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/fuzz/replay-lib.sh"
replay_corpus tvs
