/** Public surface of the package: the components, their argument types and the pure planners. */
export * from "./EntraPostgres";
export * from "./EntraPostgresServer";
export * from "./EntraDatabaseAccess";
export { InputError } from "./errors";
export type { InputIssue } from "./errors";
export { PRINCIPAL_TYPES, armPrincipalType, labelPrincipalType } from "./principals";
export type { PrincipalType } from "./principals";
export { PRESETS, planAccess, pgaadauthLabel } from "./accessPlan";
export type { Preset, AccessPlan, ExplicitPrivileges } from "./accessPlan";
export { SERVER_DEFAULTS, planServer } from "./serverPlan";
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
