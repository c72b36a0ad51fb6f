#!/usr/bin/env bash
# install-verifiers.sh: installs the real third-party tools that qm-build's tests
# use as oracles (rpm, rpmbuild, dnf, createrepo_c, SELinux toolchain, skopeo, …)
# from Debian's packages, plus podman 5's quadlet generator unpacked from Debian's
# next release (trixie) with a private apt configuration.
#
# Safe to re-run. Needs root (or sudo) for apt-get. Never names a registry host:
# the trixie URIs are taken from this machine's own apt sources.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tools=${QM_BUILD_TOOLS:-$top/.tools}
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

pkgs=(
  rpm rpm2cpio cpio createrepo-c dnf dnf-plugins-core
  checkpolicy semodule-utils selinux-policy-dev selinux-policy-default
  policycoreutils selinux-utils setools
  skopeo umoci rpmlint shellcheck qemu-user-static busybox-static
  docker-registry systemd bzip2 ca-certificates gnupg seccomp
  podman crun conmon
  zsh fish bash-completion man-db groff-base
  fdisk gdisk qemu-utils e2fsprogs xfsprogs ostree chromium
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-verifiers: installing ${missing[*]}" >&2
  $sudo apt-get update -q
  # policy-rc.d keeps package scripts from starting services (docker-registry) on this host.
  prc=/usr/sbin/policy-rc.d
  made_prc=""
  if [ ! -e "$prc" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$prc" >/dev/null && $sudo chmod 755 "$prc" && made_prc=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  [ -z "$made_prc" ] || $sudo rm -f "$prc"
fi

# Quadlet: podman 5 from Debian's next release, downloaded and unpacked only.
quadlet="$tools/podman/usr/libexec/podman/quadlet"
if [ ! -x "$quadlet" ]; then
  echo "install-verifiers: fetching podman 5 (quadlet) from the trixie suite" >&2
  apt_dir="$tools/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '/^URIs:/ && !/security/ {print $2; exit}' "$f")
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '/^deb / && !/security/ {for (i=2;i<=NF;i++) if ($i ~ /:\/\//) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || { echo "install-verifiers: no Debian archive URI found in /etc/apt sources" >&2; exit 1; }
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "deb [signed-by=$keyring] $uri trixie main" > "$apt_dir/sources.list"
  opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
        -o "Debug::NoLocking=1")
  apt-get "${opts[@]}" -q update
  (cd "$apt_dir" && apt-get "${opts[@]}" -q download podman)
  rm -rf "$tools/podman"
  dpkg-deb -x "$apt_dir"/podman_5*.deb "$tools/podman"
fi
"$quadlet" -version >/dev/null 2>&1 || "$quadlet" -help >/dev/null 2>&1 || true
echo "install-verifiers: ok (quadlet at $quadlet)" >&2
