#!/bin/sh
# Replay the bulk certificate archive fuzz corpus with truncations and
# overwrites.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/fuzz/replay-lib.sh"
replay_corpus bulkcert
