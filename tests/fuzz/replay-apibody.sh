#!/bin/sh
# Replay the API request body fuzz corpus with truncations and overwrites.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/fuzz/replay-lib.sh"
replay_corpus apibody
