/**
 * The production features of the server (issue 15), each in its own module: arguments, validation and
 * planning as plain functions. EntraPostgresServer's arguments extend ServerFeatureArgs, serverPlan
 * calls validateServerFeatures and planServerFeatures, and the component wires the planned resources.
 */
import type { Add, ServerContext } from "./common";
import { DiagnosticSettingArgs, PlannedDiagnosticSetting, planDiagnosticSettings, validateDiagnosticSettings } from "./diagnostics";
import {
  CustomerManagedKeyEncryptionArgs,
  ManagedIdentitiesArgs,
  PlannedEncryption,
  planEncryption,
  validateEncryption,
} from "./encryption";
import { ServerExtensionsArgs, extensionParameters, validateServerExtensions } from "./extensions";
import { LockArgs, PlannedLock, planLock, validateLock } from "./lock";
import { MaintenanceWindowArgs, PlannedMaintenanceWindow, planMaintenanceWindow, validateMaintenanceWindow } from "./maintenanceWindow";
import { PgBouncerArgs, pgBouncerParameters, validatePgBouncer } from "./pgBouncer";
import { PlannedReplica, ReadReplicaArgs, planReplicas, validateReplicas } from "./replicas";
import { PlannedRoleAssignment, RoleAssignmentArgs, planRoleAssignments, validateRoleAssignments } from "./roleAssignments";
import { PlannedStorage, StorageArgs, planStorage, validateStorage } from "./storage";

/** What production servers are configured with; every field is optional and off by default. */
export interface ServerFeatureArgs {
  /** Storage type, size, auto-grow, performance tier, IOPS and throughput. Default: Premium SSD, 128 GiB, auto-grow on. */
  storage?: StorageArgs;
  /** When Azure may run planned maintenance. Default: unset (Azure's system-managed window). */
  maintenanceWindow?: MaintenanceWindowArgs;
  /** A management lock on the server. Default: none; production stacks set `{ kind: "CanNotDelete" }`. */
  lock?: LockArgs;
  /** Logs and metrics to Log Analytics, a storage account or an event hub. Default: none. */
  diagnosticSettings?: DiagnosticSettingArgs[];
  /** Azure RBAC role assignments on the server. Default: none. */
  roleAssignments?: RoleAssignmentArgs[];
  /** User-assigned managed identities of the server. Default: none. */
  managedIdentities?: ManagedIdentitiesArgs;
  /** Data encryption with a customer-managed key; fixed at creation. Default: service-managed keys. */
  customerManagedKey?: CustomerManagedKeyEncryptionArgs;
  /** Extension allow-list and preloaded libraries. Default: Azure's (nothing allow-listed). */
  extensions?: ServerExtensionsArgs;
  /** Azure's built-in PgBouncer on port 6432. Default: off. */
  pgBouncer?: PgBouncerArgs;
  /** Read replicas of the server. Default: none. */
  readReplicas?: ReadReplicaArgs[];
}

/** The features, planned: what the component registers for them. */
export interface ServerFeaturePlan {
  storage: PlannedStorage;
  maintenanceWindow?: PlannedMaintenanceWindow;
  lock?: PlannedLock;
  diagnosticSettings: PlannedDiagnosticSetting[];
  roleAssignments: PlannedRoleAssignment[];
  encryption: PlannedEncryption;
  /** Server parameters the features own (azure.extensions, shared_preload_libraries, pgbouncer.enabled). */
  parameters: { name: string; value: string }[];
  /** Whether PgBouncer is on: the login guide then offers port 6432. */
  pgBouncer: boolean;
  readReplicas: PlannedReplica[];
}

/** Server parameters the features own: set them through the feature's option, not serverParameters. */
export const FEATURE_PARAMETERS: Readonly<Record<string, string>> = {
  "azure.extensions": "extensions.allowList",
  shared_preload_libraries: "extensions.sharedPreloadLibraries",
  "pgbouncer.enabled": "pgBouncer",
};

export function validateServerFeatures(args: ServerFeatureArgs, server: ServerContext & { location?: unknown }, add: Add): void {
  validateStorage(args.storage, server, add);
  validateMaintenanceWindow(args.maintenanceWindow, add);
  validateLock(args.lock, add);
  validateDiagnosticSettings(args.diagnosticSettings, add);
  validateRoleAssignments(args.roleAssignments, add);
  validateEncryption(args.managedIdentities, args.customerManagedKey, server, add);
  validateServerExtensions(args.extensions, add);
  validatePgBouncer(args.pgBouncer, server, add);
  validateReplicas(args.readReplicas, { ...server, storageSizeGb: planStorage(args.storage).storageSizeGB }, add);
}

export function planServerFeatures(args: ServerFeatureArgs, serverName: string): ServerFeaturePlan {
  return {
    storage: planStorage(args.storage),
    maintenanceWindow: planMaintenanceWindow(args.maintenanceWindow),
    lock: planLock(args.lock, serverName),
    diagnosticSettings: planDiagnosticSettings(args.diagnosticSettings, serverName),
    roleAssignments: planRoleAssignments(args.roleAssignments, serverName),
    encryption: planEncryption(args.managedIdentities, args.customerManagedKey),
    parameters: [...extensionParameters(args.extensions), ...pgBouncerParameters(args.pgBouncer)],
    pgBouncer: args.pgBouncer?.enabled === true,
    readReplicas: planReplicas(args.readReplicas),
  };
}

export type { Add, ServerContext } from "./common";
export * from "./diagnostics";
export * from "./encryption";
export * from "./extensions";
export * from "./lock";
export * from "./maintenanceWindow";
export * from "./pgBouncer";
export * from "./replicas";
export * from "./roleAssignments";
export * from "./storage";
