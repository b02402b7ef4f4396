#!/usr/bin/env bash
# Mints a tenant's first SCIM credential straight into its Key Vault as a one-time hand-over secret,
# once: when the hand-over secret or any cred-* secret already exists it does nothing. The token is
# never printed; this script only says where to read it.
#
# Usage: mint-first-credential.sh <tenant-slug> <key-vault-name> <key-vault-uri>
# Env:   SCIM_CREDENTIALS_CLI   credential CLI (default: npm run --silent credentials --)
#        SCIM_HANDOVER_SECRET   hand-over secret name (default: scim-handover-<tenant>)
#        SCIM_RBAC_TRIES, SCIM_RBAC_WAIT_SECONDS  retries while a new role assignment propagates
set -euo pipefail

tenant=${1:?usage: mint-first-credential.sh <tenant-slug> <key-vault-name> <key-vault-uri>}
vault=${2:?key vault name missing}
vault_uri=${3:?key vault uri missing}
handover=${SCIM_HANDOVER_SECRET:-scim-handover-$tenant}
read -r -a cli <<<"${SCIM_CREDENTIALS_CLI:-npm run --silent credentials --}"
tries=${SCIM_RBAC_TRIES:-15}
wait_seconds=${SCIM_RBAC_WAIT_SECONDS:-20}

# The deployment assigned our Key Vault role moments ago; it can take minutes to take effect.
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
for ((i = 1; ; i++)); do
  if names=$(az keyvault secret list --vault-name "$vault" --query "[].name" -o tsv 2>"$errors"); then break; fi
  if ((i >= tries)); then
    cat "$errors" >&2
    echo "::error::cannot list the secrets of Key Vault $vault" >&2
    exit 1
  fi
  echo "Key Vault $vault is not readable yet (role assignment propagating?); retry $i/$tries in ${wait_seconds}s"
  sleep "$wait_seconds"
done

if grep -qxF -- "$handover" <<<"$names"; then
  echo "Hand-over secret '$handover' is still in $vault, waiting to be collected: not minting another credential."
  exit 0
fi
if grep -q '^cred-' <<<"$names"; then
  echo "Tenant $tenant already has credentials in $vault: not minting another. To rotate, see docs/deploy.md."
  exit 0
fi

# The CLI's own output is dropped so that nothing it might ever print about the token reaches a log.
SCIM_KEY_VAULT_URI="$vault_uri" "${cli[@]}" token create --tenant "$tenant" --label entra --handover-secret "$handover" >/dev/null
echo "Minted the first credential for tenant $tenant into Key Vault secret '$handover' (value not printed)."
echo "Read it once:    az keyvault secret show --vault-name $vault --name $handover --query value -o tsv"
echo "Then delete it:  az keyvault secret delete --vault-name $vault --name $handover"
