/**
 * The server's maintenance window: when Azure may patch and restart it. Validation and the ARM
 * `maintenanceWindow` property; plain functions.
 *
 * ARM (Microsoft.DBforPostgreSQL 2025-08-01, `MaintenanceWindow`): `customWindow` "Enabled" or
 * "Disabled" (system-managed), `dayOfWeek`, `startHour`, `startMinute` as integers. Day 0 is Sunday
 * (the azurerm provider documents "the week starts on a Sunday, i.e. Sunday = 0, Monday = 1", and the
 * same numbering is Azure's portal order). Times are UTC.
 */
import type { Add } from "./common";

/** Days of the week, as the window takes them. */
export const DayOfWeek = {
  Sunday: "Sunday",
  Monday: "Monday",
  Tuesday: "Tuesday",
  Wednesday: "Wednesday",
  Thursday: "Thursday",
  Friday: "Friday",
  Saturday: "Saturday",
} as const;
export type DayOfWeek = (typeof DayOfWeek)[keyof typeof DayOfWeek];
/** In ARM's order: Sunday is 0. */
export const DAYS_OF_WEEK: readonly DayOfWeek[] = Object.values(DayOfWeek);

/** "custom": a day and time of yours; "system": Azure picks (its default). */
export const MaintenanceWindowMode = { custom: "custom", system: "system" } as const;
export type MaintenanceWindowMode = (typeof MaintenanceWindowMode)[keyof typeof MaintenanceWindowMode];

/**
 * When Azure may run planned maintenance (patches, minor versions), which restarts the server.
 * Default: unset, which leaves Azure's system-managed schedule.
 */
export interface MaintenanceWindowArgs {
  /** "custom" (give dayOfWeek and startHour) or "system" (Azure chooses; the other fields stay unset). */
  mode: MaintenanceWindowMode;
  /** custom: the day, "Sunday" to "Saturday". */
  dayOfWeek?: DayOfWeek;
  /** custom: the hour it starts, 0-23, UTC. */
  startHour?: number;
  /** custom: the minute it starts, 0-59. Default 0. */
  startMinute?: number;
}

/** The ARM property, as azure-native takes it. */
export interface PlannedMaintenanceWindow {
  customWindow: "Enabled" | "Disabled";
  dayOfWeek?: number;
  startHour?: number;
  startMinute?: number;
}

export function validateMaintenanceWindow(w: MaintenanceWindowArgs | undefined, add: Add): void {
  if (w === undefined) return;
  const f = "maintenanceWindow";
  if (w === null || typeof w !== "object") {
    add(f, w, '{ mode: "custom", dayOfWeek, startHour, startMinute? } or { mode: "system" }');
    return;
  }
  if (w.mode !== "custom" && w.mode !== "system") {
    add(`${f}.mode`, w.mode, '"custom" (a day and hour of yours) or "system" (Azure chooses)');
    return;
  }
  if (w.mode === "system") {
    for (const k of ["dayOfWeek", "startHour", "startMinute"] as const)
      if (w[k] !== undefined) add(`${f}.${k}`, w[k], 'unset with mode "system" (Azure chooses the time)');
    return;
  }
  if (!DAYS_OF_WEEK.includes(w.dayOfWeek as DayOfWeek)) add(`${f}.dayOfWeek`, w.dayOfWeek, `one of ${DAYS_OF_WEEK.join(", ")}`);
  if (!isIntIn(w.startHour, 0, 23)) add(`${f}.startHour`, w.startHour, "a whole hour from 0 to 23 (UTC)");
  if (w.startMinute !== undefined && !isIntIn(w.startMinute, 0, 59)) add(`${f}.startMinute`, w.startMinute, "a whole minute from 0 to 59");
}

export function planMaintenanceWindow(w: MaintenanceWindowArgs | undefined): PlannedMaintenanceWindow | undefined {
  if (w === undefined) return undefined;
  if (w.mode === "system") return { customWindow: "Disabled" };
  return {
    customWindow: "Enabled",
    dayOfWeek: DAYS_OF_WEEK.indexOf(w.dayOfWeek as DayOfWeek),
    startHour: w.startHour,
    startMinute: w.startMinute ?? 0,
  };
}

function isIntIn(n: unknown, min: number, max: number): boolean {
  return typeof n === "number" && Number.isInteger(n) && n >= min && n <= max;
}
