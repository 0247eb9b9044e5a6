#!/bin/bash
# Test-only stand-in for Azure's Entra token validation, run by pam_exec for every TCP login to a
# harness cluster (see /etc/pam.d/pgstandin-* written by tests/e2e/harness/cluster.ts):
#   auth required pam_exec.so expose_authtok quiet log=<dir>/token-checker.log <this> <dir>/checker.env
# pam_exec gives us the role name in PAM_USER and the password (the test token) on stdin; exit 0
# lets the login through, anything else refuses it.
#
# Why bash: pam_exec runs this as the server's OS user with an empty environment, outside the
# repository's Node setup. bash, openssl and psql are there on any machine that runs the suite
# (scripts/install-pg.sh installs them); JSON parsing and label matching are done by PostgreSQL
# itself over the superuser's Unix socket, so no jq/Node/Python is needed.
#
# Token (made by tests/e2e/harness/tokens.ts): v1.<base64url(JSON claims)>.<base64url(HMAC-SHA256
# over "v1.<payload>" with the cluster's key)>; claims {oid, tid, exp, groups?}.
# Rule, as Azure matches tokens to roles by object id (not by name): the role must carry a
# pgaadauth label; type=user|service needs label oid == token oid, type=group needs the label
# oid in token groups. The token must be unexpired and from the cluster's tenant.
set -u
export PATH=/usr/bin:/bin
# shellcheck source=/dev/null
source "$1" # STANDIN_PGBIN, STANDIN_SOCKET_DIR, STANDIN_PORT, STANDIN_KEY_FILE

deny() {
  # Goes to the pam_exec log; the client only sees "PAM authentication failed".
  echo "deny ${PAM_USER:-?}: $*"
  exit 1
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# pam_exec ends the password with a NUL (or EOF); either way the token is what came before.
IFS= read -r -d '' token || true
IFS=. read -r version payload signature rest <<<"$token"
[[ $version == v1 && -n $payload && -n $signature && -z $rest ]] || deny "not a stand-in token"

expected=$(printf '%s' "v1.$payload" |
  openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(<"$STANDIN_KEY_FILE")" -binary | b64url)
[[ $signature == "$expected" ]] || deny "bad signature"

b64=$(printf '%s' "$payload" | tr -- '-_' '+/')
while ((${#b64} % 4)); do b64+='='; done
claims=$(printf '%s' "$b64" | base64 -d 2>/dev/null) || deny "payload is not base64url"

verdict=$(PGCLIENTENCODING=UTF8 "$STANDIN_PGBIN/psql" -X -q -t -A -v ON_ERROR_STOP=1 \
  -h "$STANDIN_SOCKET_DIR" -p "$STANDIN_PORT" -U azuresu -d postgres \
  -v role="$PAM_USER" -v claims="$claims" 2>&1 <<'SQL'
WITH c AS (SELECT :'claims'::jsonb AS t),
l AS (
  SELECT regexp_match(s.label, '^aadauth,oid=([0-9A-Fa-f-]{36}),type=(user|group|service)(,admin)?$') AS m
  FROM pg_authid a
  JOIN pg_shseclabel s ON s.objoid = a.oid AND s.classoid = 'pg_authid'::regclass AND s.provider = 'pgaadauth'
  WHERE a.rolname = :'role'
)
SELECT CASE
  WHEN NOT EXISTS (SELECT FROM l) THEN 'role does not exist or is not mapped to a Microsoft Entra principal'
  WHEN jsonb_typeof(t->'exp') IS DISTINCT FROM 'number' THEN 'token has no exp'
  WHEN (t->>'exp')::numeric <= extract(epoch FROM now()) THEN 'token expired'
  WHEN lower(t->>'tid') IS DISTINCT FROM lower(current_setting('pgaadauth.tenant_id')) THEN 'token is from another tenant'
  WHEN (SELECT m[2] FROM l) = 'group' THEN
    CASE WHEN EXISTS (SELECT FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(t->'groups') = 'array' THEN t->'groups' ELSE '[]' END) g
                      WHERE lower(g) = lower((SELECT m[1] FROM l)))
         THEN 'allow' ELSE 'token groups do not include the group''s object id' END
  WHEN lower(t->>'oid') = lower((SELECT m[1] FROM l)) THEN 'allow'
  ELSE 'token oid is not the role''s object id'
END
FROM c;
SQL
) || deny "lookup failed: $verdict"

[[ $verdict == allow ]] || deny "$verdict"
exit 0
