#!/bin/sh
# version.sh [DIR]: qm-build's semantic version, from `git describe --tags`
# in DIR (default: this checkout). `make build` stamps it into the programs.
#
#   on a tag vX.Y.Z                     X.Y.Z
#   N commits after vX.Y.Z              X.Y.(Z+1)-dev.N+gHASH
#   N commits after vX.Y.Z-PRE          X.Y.Z-PRE.dev.N+gHASH
#   no tag                              0.0.0-dev+gHASH
#   not a git checkout                  0.0.0-dev
# Uncommitted changes add ".dirty" to the build metadata (+dirty on a tag).
# Each sorts after the versions before it and before the next release.
set -eu
cd "${1:-$(dirname "$0")/..}"
hash=$(git rev-parse --short=12 HEAD 2>/dev/null) || { echo 0.0.0-dev; exit 0; }
dirty=""
git diff --quiet HEAD -- 2>/dev/null || dirty=dirty
meta() { # meta PARTS...: "+a.b" from the non-empty parts
  out=""
  for p in "$@"; do [ -n "$p" ] && out="${out:+$out.}$p"; done
  [ -z "$out" ] || printf '+%s' "$out"
}
if ! d=$(git describe --tags --long --match 'v[0-9]*' 2>/dev/null); then
  echo "0.0.0-dev$(meta "g$hash" "$dirty")"
  exit 0
fi
n=${d%-g*}
n=${n##*-}
tag=${d%-*-g*}
v=${tag#v}
if [ "$n" = 0 ]; then
  echo "$v$(meta "$dirty")"
  exit 0
fi
case "$v" in
  *-*) echo "$v.dev.$n$(meta "g$hash" "$dirty")" ;;
  *.*.*)
    patch=${v##*.}
    echo "${v%.*}.$((patch + 1))-dev.$n$(meta "g$hash" "$dirty")" ;;
  *) echo "$v-dev.$n$(meta "g$hash" "$dirty")" ;;
esac
