#!/bin/sh
# Runs every fuzz target of the repository (every `func FuzzXxx` in a
# _test.go file), one after the other, each for FUZZTIME (default 30s; a
# count such as 2000x runs that many inputs instead of a duration).
# `make fuzz` runs them all; `make test` runs them with FUZZTIME=2000x and
# FUZZ_QUICK=1, which leaves out the targets whose package links
# osbuild/images (their instrumented build alone takes minutes; their seed
# corpus still runs in `go test`). A failing input is saved by Go under the
# package's testdata/fuzz/FuzzXxx/ and from then on runs in `go test` as a
# regression test: commit it with the fix.
#
# Go 1.26's fuzz coordinator can fail a run that found nothing when a
# duration budget ends while a worker is mid-input: it prints a bare
# "context deadline exceeded" and writes no input (go.dev/issue/75804,
# fixed in Go 1.27). A count budget has no deadline, so `make test` uses
# one; for duration runs such a failure, with no failing input written and
# no other failure in the log, is run once more, and only a second one fails.
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

# deadline_only LOG: the run failed only by Go's deadline race: the log says
# "context deadline exceeded", no failing input was written, and nothing
# else failed (no panic, no test error line other than the deadline).
deadline_only() {
	grep -q 'context deadline exceeded' "$1" || return 1
	grep -q -e 'Failing input written' -e 'panic:' -e '_test\.go:[0-9]' "$1" && return 1
	return 0
}

start=$(date +%s)
echo "$list" | while read -r pkg fn; do
	[ -n "$pkg" ] || continue
	if [ -n "$FUZZ_QUICK" ]; then
		case " $heavy " in *" $pkg "*) echo "fuzz: $pkg $fn: left out (links osbuild/images; make fuzz runs it)"; continue ;; esac
	fi
	echo "fuzz: $pkg $fn ($FUZZTIME)"
	log=$(mktemp)
	for attempt in 1 2; do
		if $GO test -run '^$' -fuzz "^$fn\$" -fuzztime "$FUZZTIME" -parallel 2 "$pkg" >"$log" 2>&1; then
			break
		fi
		if [ "$attempt" = 1 ] && deadline_only "$log"; then
			echo "fuzz: $pkg $fn: the coordinator's deadline race (no input written); running it once more"
			continue
		fi
		cat "$log"
		rm -f "$log"
		echo "fuzz: $pkg $fn FAILED (the input is under $pkg/testdata/fuzz/$fn/)"
		exit 1
	done
	rm -f "$log"
done
echo "fuzz: done in $(( $(date +%s) - start ))s"
