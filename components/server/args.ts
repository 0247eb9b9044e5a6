/**
 * EntraPostgresServer's arguments. Types only: the planners and validators import these, never the
 * component. Every fixed list is an object of literals, so that other languages get an enum.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ServerFeatureArgs } from "../features";
import type { PrincipalArgs } from "../principals";

/** PostgreSQL major versions Azure offers on flexible server. */
export const PostgresVersion = {
  V11: "11",
  V12: "12",
  V13: "13",
  V14: "14",
  V15: "15",
  V16: "16",
  V17: "17",
  V18: "18",
} as const;
export type PostgresVersion = (typeof PostgresVersion)[keyof typeof PostgresVersion];

/** Compute tiers. */
export const SkuTier = {
  /** Standard_B* sizes; no high availability. */
  Burstable: "Burstable",
  GeneralPurpose: "GeneralPurpose",
  MemoryOptimized: "MemoryOptimized",
} as const;
export type SkuTier = (typeof SkuTier)[keyof typeof SkuTier];

/** High-availability modes. */
export const HighAvailabilityMode = {
  Disabled: "Disabled",
  /** A standby in another zone: what production needs. */
  ZoneRedundant: "ZoneRedundant",
  SameZone: "SameZone",
} as const;
export type HighAvailabilityMode = (typeof HighAvailabilityMode)[keyof typeof HighAvailabilityMode];

/** How clients reach the server. */
export const NetworkMode = {
  /** A public endpoint that admits only the firewall rules' addresses. */
  Public: "public",
  /** VNet integration: the server lives in a delegated subnet; no public endpoint. */
  Vnet: "vnet",
  /** Public access disabled; a private endpoint in a subnet of yours. */
  PrivateEndpoint: "privateEndpoint",
} as const;
export type NetworkMode = (typeof NetworkMode)[keyof typeof NetworkMode];

/** A firewall rule for public access: an inclusive IPv4 range. */
export interface FirewallRuleArgs {
  /** Rule name, 1-80 letters, digits, '-' or '_'; also the stable key of the child resource. */
  name: string;
  /** First IPv4 address of the range, e.g. "203.0.113.10"; may be another resource's output. */
  startIpAddress: pulumi.Input<string>;
  /** Last IPv4 address of the range (inclusive); must not be before startIpAddress. */
  endIpAddress: pulumi.Input<string>;
}

/**
 * How clients reach the server: `mode` and that mode's fields (the others must stay unset). Default
 * `{ mode: "public" }` with no firewall rules: a public endpoint that admits nobody until you add rules.
 */
export interface NetworkArgs {
  /** "public" (default), "vnet" or "privateEndpoint". */
  mode?: NetworkMode;
  /** public: explicit ranges allowed to connect. Default none. */
  firewallRules?: FirewallRuleArgs[];
  /** public: adds Azure's 0.0.0.0 rule, so any Azure service in any tenant may connect. Default false. */
  allowAzureServices?: boolean;
  /** public: adds a rule for 0.0.0.0-255.255.255.255, the whole internet. Default false. */
  allowAllAddresses?: boolean;
  /** vnet (required): resource id of a subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers. Fixed at creation. */
  delegatedSubnetId?: pulumi.Input<string>;
  /**
   * vnet (required): resource id of a private DNS zone named `*.postgres.database.azure.com`, linked to the VNet.
   * privateEndpoint (optional): the `privatelink.postgres.database.azure.com` zone; when set, an A record is registered.
   */
  privateDnsZoneId?: pulumi.Input<string>;
  /** privateEndpoint (required): resource id of the subnet that gets the private endpoint. */
  subnetId?: pulumi.Input<string>;
}

/** Compute size. */
export interface SkuArgs {
  /** Size name, e.g. "Standard_D2ds_v5" or (Burstable) "Standard_B1ms". */
  name: string;
  /** Burstable (sizes Standard_B* only), GeneralPurpose or MemoryOptimized. */
  tier: SkuTier;
}

/** Backups. */
export interface BackupArgs {
  /** Days to keep backups, 7-35. Default 14. */
  retentionDays?: number;
  /** Geo-redundant backup storage. Default false; fixed when the server is created. */
  geoRedundant?: boolean;
}

/** Password authentication beside Entra, with one password administrator. */
export interface PasswordAuthArgs {
  /** The password administrator's login: 1-63 letters, digits or '_', not a name Azure reserves. */
  administratorLogin: string;
  /** Its password: a Pulumi secret (config.requireSecret), never a plain string. */
  administratorPassword: pulumi.Input<string>;
}

/**
 * The server's own settings, as EntraPostgres takes them (its deployer is declared an administrator).
 * Storage, maintenance window, lock, diagnostics, role assignments, identities and encryption,
 * extensions, PgBouncer and replicas are ServerFeatureArgs (components/features).
 */
export interface ServerArgs extends ServerFeatureArgs {
  /** Resource group for the server: 1-90 letters or decimal digits of any script, `_`, `-`, `.`, `(` or `)`, not ending in `.` (ARM's rule). Must exist. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region, e.g. "westeurope". Default: the resource group's region. */
  location?: pulumi.Input<string>;
  /** Server name, 3-63 lower-case letters, digits and hyphens; globally unique. Default: the component name. */
  serverName?: string;
  /** PostgreSQL major version, "11" to "18". Default "17" (generally available everywhere; 18 is newer in Azure). */
  version?: PostgresVersion;
  /** Compute size. Default `{ name: "Standard_D2ds_v5", tier: "GeneralPurpose" }`. */
  sku?: SkuArgs;
  /** Backups. Default 14 days, geo-redundancy off. */
  backup?: BackupArgs;
  /** Disabled (default), ZoneRedundant or SameZone. Not on the Burstable tier. */
  highAvailability?: HighAvailabilityMode;
  /** Preferred availability zone: "1", "2" or "3". Default: Azure chooses. */
  availabilityZone?: string;
  /** How clients reach the server. Default: public endpoint with no firewall rules (nobody admitted). */
  network?: NetworkArgs;
  /** Entra tenant for authentication (UUID). Default: the deploying identity's tenant. */
  tenantId?: pulumi.Input<string>;
  /** Entra administrators; reordering the list changes nothing, adding or removing one touches only that one. Default none. */
  administrators?: PrincipalArgs[];
  /**
   * Entra group sync (`pgaadauth.enable_group_sync`). Default false, as on Azure: group members then log in
   * with the group's name. When true Azure creates a role per member, so members may use their own names.
   */
  groupSync?: boolean;
  /** Sets `require_secure_transport`. Default true (TLS required). */
  requireSecureTransport?: boolean;
  /** Password authentication. Default: off (Entra only, no password administrator sent). */
  passwordAuth?: PasswordAuthArgs;
  /** Further server parameters by name, e.g. `{ "log_min_duration_statement": "500" }`. Values are strings. Default none. */
  serverParameters?: Record<string, string>;
  /** Tags for every Azure resource the component makes. Default none. */
  tags?: Record<string, pulumi.Input<string>>;
  /**
   * Pulumi's `protect` on the server, which holds the data: `pulumi destroy` and any replacement of the
   * server fail while it is on. Default true. To delete the server on purpose: set false, `pulumi up`,
   * then `pulumi destroy`.
   */
  protect?: boolean;
  /**
   * Lets a change to a property Azure fixes at creation (location, geo-redundant backup, availability
   * zone, the password administrator's login, VNet integration and its subnet) replace the server with a
   * new, empty one. Default false: the component reads the live server first and refuses such a change
   * before the server is registered. Needs `protect: false` too. A change of encryption mode (adding or
   * removing customerManagedKey) is refused even so: Azure refuses it, it would not replace the server.
   */
  allowReplacement?: boolean;
}

/** Arguments of EntraPostgresServer: the server's settings, and optionally the deploying identity. */
export interface EntraPostgresServerArgs extends ServerArgs {
  /**
   * Also declare the identity running `pulumi up` as an administrator (its objectId defaults to the
   * running identity's). Default: not declared.
   */
  deployerAdministrator?: PrincipalArgs;
}
