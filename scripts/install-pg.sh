#!/usr/bin/env bash
# Installs what the real-PostgreSQL suite (tests/e2e) needs on Debian 12: PostgreSQL 15 and its
# server headers (to build the pgaadauth stand-in), PAM's pam_exec (token logins), openssl
# (token signatures and the throwaway TLS certificate), and shellcheck for the workflow tests.
# Needs root only when something is missing; cheap when already done.
set -euo pipefail

# The workflow tests lint .github scripts with shellcheck (actionlint also runs it on `run:` steps).
packages=(postgresql-15 postgresql-server-dev-15 libpam-modules make gcc openssl shellcheck)

missing=()
for p in "${packages[@]}"; do
  # "install ok installed" is dpkg's state for a fully configured package.
  if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})) && [[ $(id -u) -ne 0 ]]; then
  echo "install-pg.sh: missing ${missing[*]}; run as root (it installs Debian packages)" >&2
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

# The tests start their own throwaway clusters; Debian's default one would only hold port 5432
# and memory. Stop it and keep it from starting at boot.
if [[ -d /etc/postgresql/15/main && $(id -u) -eq 0 ]]; then
  if pg_ctlcluster 15 main status >/dev/null 2>&1; then
    pg_ctlcluster 15 main stop || true
  fi
  echo manual >/etc/postgresql/15/main/start.conf
fi

echo "install-pg.sh: PostgreSQL $(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}') ready"
