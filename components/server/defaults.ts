/** The server's defaults and fixed lists, in one place; the README's config reference lists the same. */
import { HighAvailabilityMode, PostgresVersion, SkuTier } from "./args";

export const POSTGRES_VERSIONS: readonly string[] = Object.values(PostgresVersion);
export const SKU_TIERS: readonly string[] = Object.values(SkuTier);
export const HA_MODES: readonly string[] = Object.values(HighAvailabilityMode);
/** Premium_LRS sizes the portal and ARM accept, in GiB. */
export { STORAGE_SIZES_GB } from "../features/storage";

/** Defaults, in one place; the README's config reference lists the same table. */
export const SERVER_DEFAULTS = {
  version: "17",
  sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
  storageSizeGb: 128,
  storageAutoGrow: true,
  backupRetentionDays: 14,
  geoRedundantBackup: false,
  highAvailability: "Disabled",
  groupSync: false,
  requireSecureTransport: true,
  protect: true,
} as const;

/** Firewall rules the component adds for network.allowAzureServices and network.allowAllAddresses. */
export const ALLOW_AZURE_SERVICES_RULE = "AllowAllAzureServicesAndResourcesWithinAzureIps";
export const ALLOW_ALL_RULE = "AllowAll";
