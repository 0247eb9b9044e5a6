/** Public surface of the package: the components, their argument types and the pure planners. */
export * from "./postgres/EntraPostgres";
export * from "./server/EntraPostgresServer";
export * from "./access/EntraDatabaseAccess";
export * from "./postgres/args";
export * from "./server/args";
export * from "./access/args";
export { InputError } from "./errors";
export type { InputIssue } from "./errors";
export { PrincipalType, PRINCIPAL_TYPES, RESERVED_ROLES, armPrincipalType, labelPrincipalType } from "./principals";
export type { PrincipalArgs, ManagedIdentityRef } from "./principals";
export { PRESETS } from "./access/naming";
export { planAccess, pgaadauthLabel } from "./access/plan";
export type { AccessPlan } from "./access/plan";
export { SERVER_DEFAULTS } from "./server/defaults";
export { planServer } from "./server/plan";
export { loginGuide, renderLoginGuide } from "./loginGuide";
export type { LoginGuideEntry, LoginServerSettings } from "./loginGuide";
export type {
  CustomerManagedKeyArgs,
  CustomerManagedKeyEncryptionArgs,
  DatabaseExtensionArgs,
  DiagnosticSettingArgs,
  LockArgs,
  LogCategoryArgs,
  MaintenanceWindowArgs,
  ManagedIdentitiesArgs,
  MetricCategoryArgs,
  PgBouncerArgs,
  ReadReplicaArgs,
  ReplicaSkuArgs,
  RoleAssignmentArgs,
  ServerExtensionsArgs,
  ServerFeatureArgs,
  StorageArgs,
} from "./features";
export {
  BUILT_IN_ROLES,
  DayOfWeek,
  LOG_CATEGORIES,
  LockKind,
  LogAnalyticsDestinationType,
  LogCategory,
  LogCategoryGroup,
  MaintenanceWindowMode,
  PGBOUNCER_PORT,
  PerformanceTier,
  ReplicaSkuTier,
  RolePrincipalType,
  StorageType,
} from "./features";
