#!/bin/sh
# Runs every fuzz target of the repository (every `func FuzzXxx` in a
# _test.go file), one after the other, each for FUZZTIME (default 30s).
# `make fuzz` runs them all; `make test` runs them with FUZZTIME=1s and
# FUZZ_QUICK=1, which leaves out the targets whose package links
# osbuild/images (their instrumented build alone takes minutes; their seed
# corpus still runs in `go test`). A failing input is saved by Go under the
# package's testdata/fuzz/FuzzXxx/ and from then on runs in `go test` as a
# regression test: commit it with the fix.
#
#   FUZZTIME=5m test/tools/fuzz.sh            all targets, five minutes each
#   test/tools/fuzz.sh ./rpmspec FuzzParseDropin   one target
set -eu
cd "$(dirname "$0")/../.."
: "${GO:=go}"
: "${FUZZTIME:=30s}"
: "${FUZZ_QUICK:=}"
# Packages whose fuzzing build links osbuild/images.
heavy='./cmd/qm-build-manifest ./blueprints/manifest'

targets() {
	git ls-files '*_test.go' 2>/dev/null || find . -name '*_test.go' | sed 's|^\./||'
}

if [ $# -eq 2 ]; then
	list="$1 $2"
else
	list=$(targets | while read -r f; do
		sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing\.F).*/\1/p' "$f" |
			while read -r fn; do echo "./$(dirname "$f") $fn"; done
	done | sort -u)
fi

start=$(date +%s)
echo "$list" | while read -r pkg fn; do
	[ -n "$pkg" ] || continue
	if [ -n "$FUZZ_QUICK" ]; then
		case " $heavy " in *" $pkg "*) echo "fuzz: $pkg $fn: left out (links osbuild/images; make fuzz runs it)"; continue ;; esac
	fi
	echo "fuzz: $pkg $fn ($FUZZTIME)"
	log=$(mktemp)
	if ! $GO test -run '^$' -fuzz "^$fn\$" -fuzztime "$FUZZTIME" -parallel 2 "$pkg" >"$log" 2>&1; then
		cat "$log"
		rm -f "$log"
		echo "fuzz: $pkg $fn FAILED (the input is under $pkg/testdata/fuzz/$fn/)"
		exit 1
	fi
	rm -f "$log"
done
echo "fuzz: done in $(( $(date +%s) - start ))s"
