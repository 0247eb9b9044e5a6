/** Shapes shared by the Pulumi-mock capture and the SQL translator. */

/** One resource captured from the component under Pulumi mocks. */
export interface RegisteredResource {
  /** Pulumi type token, e.g. "postgresql:index/grant:Grant". */
  type: string;
  /** Pulumi logical name (only used for reporting). */
  name: string;
  /** Resolved inputs, camelCase as in node_modules/@pulumi/postgresql/*.d.ts. */
  inputs: Record<string, unknown>;
  /**
   * Pulumi `ignoreChanges` (camelCase input names), if the capture records resource options. The
   * upstream docs require it for Role `roles` whenever GrantRole manages the same role's memberships.
   */
  ignoreChanges?: string[];
  /** Pulumi URN; when absent the translator makes one from type and name. */
  urn?: string;
  /**
   * URNs this resource depends on (dependsOn and inputs from other resources). When absent it
   * depends on every resource listed before it, i.e. the list is applied one at a time in order.
   */
  dependencies?: string[];
  /** The `retainOnDelete` resource option: a delete only forgets the resource. */
  retainOnDelete?: boolean;
  /** The `deleteBeforeReplace` resource option. */
  deleteBeforeReplace?: boolean;
}

/** The parts of the `postgresql` provider configuration the translator needs. */
export interface ProviderSettings {
  /** Provider `username` (upstream config.go getDatabaseUsername): REASSIGN OWNED target, database owner default. */
  username: string;
  /**
   * Provider `superuser` flag. Upstream only consults it when reading role passwords
   * (resource_postgresql_role.go readRolePassword); withRolesGranted asks the catalogue instead.
   */
  superuser: boolean;
  /** Provider `database`: where roles, role memberships and security labels are managed. */
  databaseDefault: string;
}
