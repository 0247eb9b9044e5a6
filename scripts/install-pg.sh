#!/usr/bin/env bash
# Installs what the real-PostgreSQL suite (tests/e2e) needs on Debian 12, for both majors it runs on:
#  - PostgreSQL 15 (Debian 12's) and its server headers (to build the pgaadauth stand-in), PAM's
#    pam_exec (token logins), openssl (token signatures and the throwaway TLS certificate), and the
#    workflow tests' shellcheck;
#  - PostgreSQL 17 (Azure's default major), which Debian 12 does not have: a Debian 13 (trixie)
#    root made with debootstrap, in which tests/e2e/harness/cluster.ts runs initdb, pg_ctl and the
#    stand-in's build via chroot. Kept in a cache dir (about 1.7 GB, about a minute to build):
#    ${XDG_CACHE_HOME:-$HOME/.cache}/entra-postgres/pg17-root, or $PG17_ROOT if set.
# Needs root only when something is missing; cheap when already done. Leaves the system's own
# PostgreSQL clusters alone (the tests start their own throwaway ones).
set -euo pipefail

# The workflow tests lint .github scripts with shellcheck (actionlint also runs it on `run:` steps).
packages=(postgresql-15 postgresql-server-dev-15 libpam-modules make gcc openssl shellcheck)

pg17_root=${PG17_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/entra-postgres/pg17-root}
# What the 17 root must hold (cluster.ts uses these); a root without them is rebuilt.
pg17_files=(usr/lib/postgresql/17/bin/initdb usr/lib/postgresql/17/bin/pg_ctl usr/lib/postgresql/17/bin/psql
  usr/lib/postgresql/17/bin/pg_config usr/lib/postgresql/17/lib/pgxs/src/makefiles/pgxs.mk
  usr/bin/gcc usr/bin/make usr/bin/openssl usr/lib/x86_64-linux-gnu/security/pam_exec.so)
pg17_packages=postgresql-17,postgresql-server-dev-17,gcc,make,libpam-modules,openssl

pg17_complete() {
  local f
  [[ -d $pg17_root ]] || return 1
  for f in "${pg17_files[@]}"; do
    [[ -e $pg17_root/$f ]] || return 1
  done
}

pg17_needed=0
pg17_complete || pg17_needed=1
((pg17_needed)) && packages+=(debootstrap)

missing=()
for p in "${packages[@]}"; do
  # "install ok installed" is dpkg's state for a fully configured package.
  if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if { ((${#missing[@]})) || ((pg17_needed)); } && [[ $(id -u) -ne 0 ]]; then
  ((${#missing[@]})) && echo "install-pg.sh: missing ${missing[*]}" >&2
  ((pg17_needed)) && echo "install-pg.sh: missing the PostgreSQL 17 root $pg17_root" >&2
  echo "install-pg.sh: run as root (it installs Debian packages and debootstraps a root)" >&2
  exit 1
fi

if ((${#missing[@]})); then
  echo "install-pg.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Skip the slow index refresh when the lists are there and recent (a fresh image has none).
  if [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -360 2>/dev/null | head -n1) ]]; then
    apt-get update
  fi
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Unmounts whatever debootstrap left mounted under $1 (it mounts /proc and /sys in the target while
# configuring packages), then removes it without crossing into another file system.
remove_root() {
  local dir mnt
  dir=$(realpath -m "$1")
  # /proc/mounts escapes spaces as \040; our dirs have none. Deepest first.
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "$dir"
}

if ((pg17_needed)); then
  parent=$(dirname "$pg17_root")
  mkdir -p "$parent"
  # Leftovers of runs that were killed mid-build (named after their pid).
  for old in "$pg17_root".tmp.*; do
    [[ -d $old ]] || continue
    pid=${old##*.}
    if [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
      echo "install-pg.sh: removing $old (left by a killed run)"
      remove_root "$old"
      rm -f "$old.log"
    fi
  done
  if [[ -e $pg17_root ]]; then
    echo "install-pg.sh: $pg17_root lacks some of ${pg17_files[*]}; rebuilding it"
    mv "$pg17_root" "$pg17_root.tmp.$$"
    remove_root "$pg17_root.tmp.$$"
  fi
  tmp=$pg17_root.tmp.$$
  trap 'remove_root "$tmp"' EXIT
  echo "install-pg.sh: building the PostgreSQL 17 root (Debian 13 trixie, debootstrap) in $pg17_root"
  started=$(date +%s)
  # Into a temp dir renamed at the end, so a killed run never leaves a root that looks complete.
  debootstrap --variant=minbase --include="$pg17_packages" trixie "$tmp" http://deb.debian.org/debian >"$tmp.log" 2>&1 || {
    tail -n 40 "$tmp.log" >&2
    echo "install-pg.sh: debootstrap failed (full log: $tmp.log)" >&2
    exit 1
  }
  rm -f "$tmp.log"
  # Not needed to run the server, and the biggest part of the download.
  rm -rf "$tmp"/var/cache/apt/archives/*.deb
  mv "$tmp" "$pg17_root"
  trap - EXIT
  echo "install-pg.sh: PostgreSQL 17 root built in $(($(date +%s) - started)) s"
fi

echo "install-pg.sh: PostgreSQL $(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}') ready (host, /usr/lib/postgresql/15/bin)"
# From the root's dpkg database: running its binaries needs chroot, hence root.
pg17_version=$(dpkg-query --admindir="$pg17_root/var/lib/dpkg" -W -f='${Version}' postgresql-17)
echo "install-pg.sh: PostgreSQL ${pg17_version%%-*} ready (chroot $pg17_root, /usr/lib/postgresql/17/bin)"
