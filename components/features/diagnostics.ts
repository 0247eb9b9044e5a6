/**
 * Diagnostic settings on the server (Microsoft.Insights/diagnosticSettings), AVM's
 * `diagnosticSettings` interface: server logs and metrics to a Log Analytics workspace, a storage
 * account and/or an event hub.
 *
 * Azure's names (Azure Monitor's "Supported logs for Microsoft.DBforPostgreSQL/flexibleServers", in
 * MicrosoftDocs/azure-reference-other, azure-monitor-ref/supported-logs): the log categories
 * PostgreSQLLogs (server logs), PostgreSQLFlexSessions, PostgreSQLFlexQueryStoreRuntime,
 * PostgreSQLFlexQueryStoreWaitStats, PostgreSQLFlexTableStats and PostgreSQLFlexDatabaseXacts; the
 * category groups allLogs and audit; metrics in one category, AllMetrics. Azure Monitor takes at most
 * five diagnostic settings per resource, each with at least one destination (Azure Monitor's
 * "Diagnostic settings in Azure Monitor").
 */
import type * as pulumi from "@pulumi/pulumi";
import { CONTROL_CHARACTER } from "../principals";
import { Add, checkArmId } from "./common";

/** The server's log categories, as Azure names them. */
export const LogCategory = {
  PostgreSQLLogs: "PostgreSQLLogs",
  PostgreSQLFlexSessions: "PostgreSQLFlexSessions",
  PostgreSQLFlexQueryStoreRuntime: "PostgreSQLFlexQueryStoreRuntime",
  PostgreSQLFlexQueryStoreWaitStats: "PostgreSQLFlexQueryStoreWaitStats",
  PostgreSQLFlexTableStats: "PostgreSQLFlexTableStats",
  PostgreSQLFlexDatabaseXacts: "PostgreSQLFlexDatabaseXacts",
} as const;
export type LogCategory = (typeof LogCategory)[keyof typeof LogCategory];
export const LOG_CATEGORIES: readonly string[] = Object.values(LogCategory);
/** Groups of log categories: every category, or the audit ones. */
export const LogCategoryGroup = { allLogs: "allLogs", audit: "audit" } as const;
export type LogCategoryGroup = (typeof LogCategoryGroup)[keyof typeof LogCategoryGroup];
export const LOG_CATEGORY_GROUPS: readonly string[] = Object.values(LogCategoryGroup);
/** The server's only metric category. A one-value enum is a literal type, which the schema analyzer refuses: a string, validated. */
export const ALL_METRICS = "AllMetrics";
/** "Dedicated": one table per category (resource-specific); "AzureDiagnostics": the shared legacy table. */
export const LogAnalyticsDestinationType = { Dedicated: "Dedicated", AzureDiagnostics: "AzureDiagnostics" } as const;
export type LogAnalyticsDestinationType = (typeof LogAnalyticsDestinationType)[keyof typeof LogAnalyticsDestinationType];

/** One log category, or a group of them: exactly one of the two. */
export interface LogCategoryArgs {
  /** A log category as Azure names it, e.g. "PostgreSQLLogs". */
  category?: LogCategory;
  /** "allLogs" (every category) or "audit". */
  categoryGroup?: LogCategoryGroup;
}

export interface MetricCategoryArgs {
  /** "AllMetrics", the server's only metric category. */
  category: string;
}

/** One diagnostic setting: what to send, and where. At least one destination. */
export interface DiagnosticSettingArgs {
  /**
   * The setting's name, 1-260 characters without < > * % & : \ ? / # or control characters; its stable
   * key. Default `<server name>-diagnostics`; required when there is more than one setting.
   */
  name?: string;
  /** Log categories or groups to send. Default `[{ categoryGroup: "allLogs" }]`; `[]` sends no logs. */
  logCategoriesAndGroups?: LogCategoryArgs[];
  /** Metric categories to send. Default `[{ category: "AllMetrics" }]`; `[]` sends no metrics. */
  metricCategories?: MetricCategoryArgs[];
  /** Resource id of a Log Analytics workspace. */
  workspaceResourceId?: pulumi.Input<string>;
  /** With a workspace: "Dedicated" (resource-specific tables) or "AzureDiagnostics". Default: Azure's (AzureDiagnostics). */
  logAnalyticsDestinationType?: LogAnalyticsDestinationType;
  /** Resource id of a storage account. */
  storageAccountResourceId?: pulumi.Input<string>;
  /** Resource id of an event hub namespace's authorization rule. */
  eventHubAuthorizationRuleResourceId?: pulumi.Input<string>;
  /** With an event hub rule: the event hub's name. Default: the namespace's default hub. */
  eventHubName?: pulumi.Input<string>;
}

export interface PlannedDiagnosticSetting {
  name: string;
  logs: { category?: string; categoryGroup?: string; enabled: true }[];
  metrics: { category: string; enabled: true }[];
  workspaceId?: pulumi.Input<string>;
  logAnalyticsDestinationType?: string;
  storageAccountId?: pulumi.Input<string>;
  eventHubAuthorizationRuleId?: pulumi.Input<string>;
  eventHubName?: pulumi.Input<string>;
}

export const MAX_DIAGNOSTIC_SETTINGS = 5;
const BAD_NAME_CHAR = /[<>*%&:\\?/#]/;

export function validateDiagnosticSettings(settings: DiagnosticSettingArgs[] | undefined, add: Add): void {
  if (settings === undefined) return;
  if (!Array.isArray(settings)) {
    add(
      "diagnosticSettings",
      settings,
      "a list of { name?, workspaceResourceId | storageAccountResourceId | eventHubAuthorizationRuleResourceId, ... }",
    );
    return;
  }
  if (settings.length > MAX_DIAGNOSTIC_SETTINGS)
    add("diagnosticSettings", `${settings.length} settings`, `at most ${MAX_DIAGNOSTIC_SETTINGS} (Azure's limit per resource)`);
  const names = new Map<string, string>();
  settings.forEach((s, i) => {
    const f = `diagnosticSettings[${i}]`;
    if (s === null || typeof s !== "object") {
      add(f, s, "an object with a destination (workspaceResourceId, storageAccountResourceId or eventHubAuthorizationRuleResourceId)");
      return;
    }
    if (s.name === undefined) {
      if (settings.length > 1)
        add(`${f}.name`, undefined, "a name for each setting when there are several (it is the setting's stable key)");
    } else if (
      typeof s.name !== "string" ||
      s.name.length < 1 ||
      s.name.length > 260 ||
      BAD_NAME_CHAR.test(s.name) ||
      CONTROL_CHARACTER.test(s.name)
    ) {
      add(`${f}.name`, s.name, "1-260 characters without < > * % & : \\ ? / # or control characters");
    } else {
      // Diagnostic setting names are ARM resource names: compared without regard to case.
      const key = s.name.toLowerCase();
      if (names.has(key)) add(`${f}.name`, s.name, `a name used once: Azure ignores case, so it is the same setting as ${names.get(key)}`);
      names.set(key, f);
    }
    const destinations = [s.workspaceResourceId, s.storageAccountResourceId, s.eventHubAuthorizationRuleResourceId].filter(
      (d) => d !== undefined,
    );
    if (destinations.length === 0)
      add(f, "(no destination)", "at least one of workspaceResourceId, storageAccountResourceId, eventHubAuthorizationRuleResourceId");
    checkArmId(
      `${f}.workspaceResourceId`,
      s.workspaceResourceId,
      "Microsoft.OperationalInsights/workspaces",
      "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>",
      add,
    );
    checkArmId(
      `${f}.storageAccountResourceId`,
      s.storageAccountResourceId,
      "Microsoft.Storage/storageAccounts",
      "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>",
      add,
    );
    checkArmId(
      `${f}.eventHubAuthorizationRuleResourceId`,
      s.eventHubAuthorizationRuleResourceId,
      "Microsoft.EventHub/namespaces/authorizationRules",
      "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.EventHub/namespaces/<ns>/authorizationRules/<rule>",
      add,
    );
    if (s.eventHubName !== undefined && s.eventHubAuthorizationRuleResourceId === undefined)
      add(`${f}.eventHubName`, s.eventHubName, "only together with eventHubAuthorizationRuleResourceId");
    if (s.logAnalyticsDestinationType !== undefined) {
      if (s.logAnalyticsDestinationType !== "Dedicated" && s.logAnalyticsDestinationType !== "AzureDiagnostics")
        add(`${f}.logAnalyticsDestinationType`, s.logAnalyticsDestinationType, '"Dedicated" or "AzureDiagnostics"');
      else if (s.workspaceResourceId === undefined)
        add(`${f}.logAnalyticsDestinationType`, s.logAnalyticsDestinationType, "only together with workspaceResourceId");
    }
    validateLogs(f, s.logCategoriesAndGroups, add);
    validateMetrics(f, s.metricCategories, add);
    if (
      Array.isArray(s.logCategoriesAndGroups) &&
      s.logCategoriesAndGroups.length === 0 &&
      Array.isArray(s.metricCategories) &&
      s.metricCategories.length === 0
    )
      add(f, "(no logs and no metrics)", "at least one log category, category group or metric category");
  });
}

function validateLogs(f: string, logs: LogCategoryArgs[] | undefined, add: Add): void {
  if (logs === undefined) return;
  if (!Array.isArray(logs)) {
    add(`${f}.logCategoriesAndGroups`, logs, 'a list such as [{ categoryGroup: "allLogs" }] or [{ category: "PostgreSQLLogs" }]');
    return;
  }
  const seen = new Set<string>();
  logs.forEach((l, j) => {
    const lf = `${f}.logCategoriesAndGroups[${j}]`;
    if (l === null || typeof l !== "object" || (l.category === undefined) === (l.categoryGroup === undefined)) {
      add(lf, l, "exactly one of category or categoryGroup");
      return;
    }
    if (l.category !== undefined && !LOG_CATEGORIES.includes(l.category))
      add(`${lf}.category`, l.category, `one of ${LOG_CATEGORIES.join(", ")} (Azure's names for the server's logs)`);
    if (l.categoryGroup !== undefined && !LOG_CATEGORY_GROUPS.includes(l.categoryGroup))
      add(`${lf}.categoryGroup`, l.categoryGroup, `one of ${LOG_CATEGORY_GROUPS.join(", ")}`);
    const key = String(l.category ?? `group:${l.categoryGroup}`);
    if (seen.has(key)) add(lf, l, "each category or group once");
    seen.add(key);
  });
}

function validateMetrics(f: string, metrics: MetricCategoryArgs[] | undefined, add: Add): void {
  if (metrics === undefined) return;
  if (!Array.isArray(metrics)) {
    add(`${f}.metricCategories`, metrics, '[{ category: "AllMetrics" }] or []');
    return;
  }
  metrics.forEach((m, j) => {
    if (m?.category !== ALL_METRICS)
      add(`${f}.metricCategories[${j}].category`, m?.category, '"AllMetrics", the server\'s only metric category');
  });
  if (metrics.length > 1) add(`${f}.metricCategories`, metrics, '[{ category: "AllMetrics" }] once');
}

/** The settings with defaults applied, sorted by name (their stable keys). */
export function planDiagnosticSettings(settings: DiagnosticSettingArgs[] | undefined, serverName: string): PlannedDiagnosticSetting[] {
  return (settings ?? [])
    .map((s) => ({
      name: s.name ?? `${serverName}-diagnostics`,
      logs: (s.logCategoriesAndGroups ?? [{ categoryGroup: "allLogs" as const }]).map((l) =>
        l.category !== undefined
          ? { category: l.category, enabled: true as const }
          : { categoryGroup: l.categoryGroup, enabled: true as const },
      ),
      metrics: (s.metricCategories ?? [{ category: ALL_METRICS }]).map((m) => ({ category: m.category, enabled: true as const })),
      workspaceId: s.workspaceResourceId,
      logAnalyticsDestinationType: s.logAnalyticsDestinationType,
      storageAccountId: s.storageAccountResourceId,
      eventHubAuthorizationRuleId: s.eventHubAuthorizationRuleResourceId,
      eventHubName: s.eventHubName,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
