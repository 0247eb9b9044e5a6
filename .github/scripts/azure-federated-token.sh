#!/usr/bin/env bash
# Keeps a fresh GitHub OIDC token in a file for the Azure SDK's WorkloadIdentityCredential: the
# postgresql provider's azureIdentityAuth takes its database token from DefaultAzureCredential, which
# uses AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_FEDERATED_TOKEN_FILE before anything else.
#
# Why not the az CLI session from azure/login: az holds on to the GitHub token it logged in with, and
# GitHub's tokens expire after 5 minutes, while the provider asks for its token only once the server
# and its administrators exist, 10-30 minutes into `pulumi up`. So a background loop fetches a new
# token every 2 minutes until the job ends (the runner then stops leftover processes).
# Needs `permissions: id-token: write`. Usage: bash .github/scripts/azure-federated-token.sh
set -euo pipefail

: "${ACTIONS_ID_TOKEN_REQUEST_URL:?no OIDC token endpoint: give the job permissions: id-token: write}"
: "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:?no OIDC token endpoint: give the job permissions: id-token: write}"
file="${RUNNER_TEMP:?run this in GitHub Actions}/azure-federated-token"

fetch() {
  local token
  # The audience Entra expects in federated credentials for GitHub.
  token=$(curl -fsS --retry 3 -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
    "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api%3A%2F%2FAzureADTokenExchange" | jq -er .value)
  # Write, then rename: a reader never sees half a token.
  printf '%s' "$token" >"$file.new"
  mv "$file.new" "$file"
}

if [[ ${1:-} == --refresh ]]; then
  while sleep 120; do fetch || echo "azure-federated-token: refresh failed, retrying" >&2; done
fi

fetch
nohup bash "$0" --refresh >/dev/null 2>&1 &
echo "AZURE_FEDERATED_TOKEN_FILE=$file" >>"$GITHUB_ENV"
echo "azure-federated-token: $file, refreshed every 2 minutes"
