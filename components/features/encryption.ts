/**
 * The server's user-assigned identities and data encryption with a customer-managed key from Key
 * Vault (ARM `identity` and `dataEncryption`), AVM's `managedIdentities` and `customerManagedKey`.
 *
 * What Azure requires together (spec `DataEncryption`, and Microsoft's "Data encryption" article for
 * flexible server, MicrosoftDocs/azure-databases-docs, articles/postgresql/security/security-data-encryption.md):
 * - a customer-managed key is read through a user-assigned managed identity of the server, so that
 *   identity must be one of the server's identities; it needs the Key Vault Crypto Service Encryption
 *   User role on the vault (or get, list, wrapKey and unwrapKey access policies);
 * - "The mode can only be selected at server creation time. It can't be changed from one mode to
 *   another for the lifetime of the server": adding or removing customerManagedKey later needs a new
 *   server (the key and identity themselves can be changed);
 * - a geo-redundant server replicates its backups to the paired region, which needs its own key (in a
 *   vault of that region) and identity: with geo-redundant backup and a customer-managed key both are
 *   required, and without geo-redundant backup neither may be set;
 * - the key is a Key Vault or Managed HSM key URI, `https://<vault>.vault.azure.net/keys/<name>[/<version>]`
 *   (`.managedhsm.azure.net` for an HSM); without a version the server follows the key's rotations
 *   ("Automatic key version updates").
 */
import type * as pulumi from "@pulumi/pulumi";
import { Add, ServerContext, armIdPattern } from "./common";

/** The server's managed identities. */
export interface ManagedIdentitiesArgs {
  /** Resource ids of user-assigned identities to attach. At least one. */
  userAssignedResourceIds: pulumi.Input<string>[];
}

/** A Key Vault key and the identity that reads it. */
export interface CustomerManagedKeyArgs {
  /** The key's URI, `https://<vault>.vault.azure.net/keys/<name>[/<version>]`. */
  keyUri: pulumi.Input<string>;
  /** Resource id of the user-assigned identity that reads the key; one of managedIdentities.userAssignedResourceIds. */
  userAssignedIdentityResourceId: pulumi.Input<string>;
}

/** Data encryption. Default: unset, Azure's service-managed keys. */
export interface CustomerManagedKeyEncryptionArgs {
  /** The key for the server's storage. */
  primary: CustomerManagedKeyArgs;
  /** With geo-redundant backup (required there): the key, in the paired region, for the geo backups. */
  geoBackup?: CustomerManagedKeyArgs;
}

export interface PlannedEncryption {
  identity?: { type: "UserAssigned"; ids: pulumi.Input<string>[] };
  dataEncryption?: {
    type: "AzureKeyVault";
    primaryKeyURI: pulumi.Input<string>;
    primaryUserAssignedIdentityId: pulumi.Input<string>;
    geoBackupKeyURI?: pulumi.Input<string>;
    geoBackupUserAssignedIdentityId?: pulumi.Input<string>;
  };
}

const KEY_URI = /^https:\/\/[a-zA-Z0-9-]{3,24}\.(vault|managedhsm)\.azure\.net\/keys\/[a-zA-Z0-9-]{1,127}(\/[0-9a-fA-F]{32})?$/;
const IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities";
const IDENTITY_EXAMPLE = "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>";

export function validateEncryption(
  identities: ManagedIdentitiesArgs | undefined,
  cmk: CustomerManagedKeyEncryptionArgs | undefined,
  server: Pick<ServerContext, "geoRedundantBackup">,
  add: Add,
): void {
  const known = new Set<string>();
  if (identities !== undefined) {
    const ids = identities?.userAssignedResourceIds;
    if (!Array.isArray(ids) || ids.length === 0) {
      add("managedIdentities.userAssignedResourceIds", ids, "a list of at least one user-assigned identity resource id");
    } else {
      ids.forEach((id, i) => {
        if (typeof id !== "string") return;
        if (!armIdPattern(IDENTITY).test(id))
          add(`managedIdentities.userAssignedResourceIds[${i}]`, id, `a resource id of a ${IDENTITY} (${IDENTITY_EXAMPLE})`);
        else if (known.has(id.toLowerCase())) add(`managedIdentities.userAssignedResourceIds[${i}]`, id, "each identity once");
        known.add(id.toLowerCase());
      });
    }
  }
  if (cmk === undefined) return;
  if (cmk === null || typeof cmk !== "object" || cmk.primary === undefined) {
    add("customerManagedKey.primary", cmk?.primary, "{ keyUri, userAssignedIdentityResourceId }");
    return;
  }
  const allKnown =
    Array.isArray(identities?.userAssignedResourceIds) && identities.userAssignedResourceIds.every((i) => typeof i === "string");
  const checkKey = (f: string, k: CustomerManagedKeyArgs) => {
    if (k === null || typeof k !== "object") {
      add(f, k, "{ keyUri, userAssignedIdentityResourceId }");
      return;
    }
    if (k.keyUri === undefined || (typeof k.keyUri === "string" && !KEY_URI.test(k.keyUri)))
      add(
        `${f}.keyUri`,
        k.keyUri,
        "a Key Vault key URI, https://<vault>.vault.azure.net/keys/<name>[/<version>] (or <hsm>.managedhsm.azure.net)",
      );
    const id = k.userAssignedIdentityResourceId;
    if (id === undefined) add(`${f}.userAssignedIdentityResourceId`, id, "the resource id of the identity that reads the key");
    else if (typeof id === "string") {
      if (!armIdPattern(IDENTITY).test(id))
        add(`${f}.userAssignedIdentityResourceId`, id, `a resource id of a ${IDENTITY} (${IDENTITY_EXAMPLE})`);
      else if (identities === undefined)
        add(
          `${f}.userAssignedIdentityResourceId`,
          id,
          "an identity of the server: list it in managedIdentities.userAssignedResourceIds too",
        );
      else if (allKnown && !known.has(id.toLowerCase()))
        add(
          `${f}.userAssignedIdentityResourceId`,
          id,
          "one of managedIdentities.userAssignedResourceIds: Azure reads the key as an identity of the server",
        );
    }
  };
  checkKey("customerManagedKey.primary", cmk.primary);
  if (server.geoRedundantBackup && cmk.geoBackup === undefined)
    add(
      "customerManagedKey.geoBackup",
      undefined,
      "a key (in the paired region) and identity for the geo-redundant backups: Azure requires both when backup.geoRedundant is on",
    );
  if (cmk.geoBackup !== undefined) {
    if (!server.geoRedundantBackup) add("customerManagedKey.geoBackup", "(set)", "unset unless backup.geoRedundant is true");
    else checkKey("customerManagedKey.geoBackup", cmk.geoBackup);
  }
}

export function planEncryption(
  identities: ManagedIdentitiesArgs | undefined,
  cmk: CustomerManagedKeyEncryptionArgs | undefined,
): PlannedEncryption {
  return {
    ...(identities ? { identity: { type: "UserAssigned" as const, ids: identities.userAssignedResourceIds } } : {}),
    ...(cmk
      ? {
          dataEncryption: {
            type: "AzureKeyVault" as const,
            primaryKeyURI: cmk.primary.keyUri,
            primaryUserAssignedIdentityId: cmk.primary.userAssignedIdentityResourceId,
            ...(cmk.geoBackup
              ? { geoBackupKeyURI: cmk.geoBackup.keyUri, geoBackupUserAssignedIdentityId: cmk.geoBackup.userAssignedIdentityResourceId }
              : {}),
          },
        }
      : {}),
  };
}
