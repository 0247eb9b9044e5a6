/**
 * An environment stack: one Entra-only PostgreSQL server with its administrators, databases, roles,
 * grants and login guide, all from stack config (see Pulumi.dev.yaml and the README's config reference).
 * Set `existingServer` instead of the server keys to grant on a server made elsewhere.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  AccessEntryArgs,
  DatabaseArgs,
  DiagnosticSettingArgs,
  EntraPostgres,
  ExistingServerArgs,
  FirewallRuleArgs,
  HighAvailabilityMode,
  LockArgs,
  MaintenanceWindowArgs,
  PgBouncerArgs,
  ServerExtensionsArgs,
  PostgresVersion,
  PrincipalArgs,
  SkuArgs,
} from "./components";

const config = new pulumi.Config();
const existingServer = config.getObject<ExistingServerArgs>("existingServer");

const postgres = new EntraPostgres("orders", {
  ...(existingServer
    ? { existingServer }
    : {
        server: {
          resourceGroupName: config.require("resourceGroupName"),
          location: config.get("location"),
          serverName: config.get("serverName"),
          // Checked by the component, with an error naming the key and the values allowed.
          version: config.get("version") as PostgresVersion | undefined,
          sku: config.getObject<SkuArgs>("sku"),
          highAvailability: config.get("highAvailability") as HighAvailabilityMode | undefined,
          backup: { retentionDays: config.getNumber("backupRetentionDays"), geoRedundant: config.getBoolean("geoRedundantBackup") },
          groupSync: config.getBoolean("groupSync"),
          administrators: config.getObject<PrincipalArgs[]>("administrators") ?? [],
          network: { mode: "public", firewallRules: config.getObject<FirewallRuleArgs[]>("firewallRules") ?? [] },
          tags: config.getObject<Record<string, string>>("tags"),
          protect: config.getBoolean("protect"),
          maintenanceWindow: config.getObject<MaintenanceWindowArgs>("maintenanceWindow"),
          lock: config.getObject<LockArgs>("lock"),
          diagnosticSettings: config.getObject<DiagnosticSettingArgs[]>("diagnosticSettings"),
          extensions: config.getObject<ServerExtensionsArgs>("extensions"),
          pgBouncer: config.getObject<PgBouncerArgs>("pgBouncer"),
        },
      }),
  deployer: config.requireObject<PrincipalArgs>("deployer"),
  deployerIpAddress: config.get("deployerIpAddress"),
  databases: config.requireObject<DatabaseArgs[]>("databases"),
  access: config.getObject<AccessEntryArgs[]>("access") ?? [],
  roleCreator: config.get("roleCreator"),
});

export const fqdn = postgres.fqdn;
export const serverId = postgres.serverId;
export const administrators = postgres.server?.administrators;
export const loginGuide = postgres.loginGuide;
export const loginGuideMarkdown = postgres.loginGuideMarkdown;
