#!/bin/sh
# The progress line: shown on a terminal for a compile over 2 s, never with -q or without a terminal.
# usage: progress_test.sh ONNXC MODEL WORKDIR
set -eu
onnxc=$1; model=$2; work=$3
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v script > /dev/null || fail "no script(1) (bsdutils) to give onnxc a terminal"
script -qc "'$onnxc' '$model' --name=m -o '$work/a.o'" "$work/tty.log" > /dev/null
grep -q "onnxc: *[0-9]*% " "$work/tty.log" || fail "no progress line on a terminal: $(head -c 300 "$work/tty.log")"
script -qc "'$onnxc' '$model' -q --name=m -o '$work/b.o'" "$work/quiet.log" > /dev/null
grep -q "onnxc: *[0-9]*% " "$work/quiet.log" && fail "-q still shows progress"
"$onnxc" "$model" -o "$work/c.o" 2> "$work/pipe.log"
test ! -s "$work/pipe.log" || fail "progress without a terminal: $(cat "$work/pipe.log")"
cmp "$work/a.o" "$work/b.o" || fail "the progress line changed the object"
echo "progress test passed"
