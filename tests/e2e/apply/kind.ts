/**
 * What each resource kind provides to the engine in translator.ts. `fields` is the Terraform schema
 * (camelCase names as Pulumi exposes them) reduced to what drives planning: type, default, Computed
 * (unset input means "keep whatever Read found") and ForceNew (a change means replace).
 */
import type { Session } from "./session";

export type State = Record<string, unknown>;

export interface Field {
  name: string;
  type: "string" | "bool" | "int" | "set" | "list";
  default?: unknown;
  computed?: boolean;
  forceNew?: boolean;
}

export interface ResourceKind {
  fields: Field[];
  /**
   * Upstream Exists, where the resource defines one (Role, Database, Schema, Extension): the SDK's
   * RefreshWithoutUpgrade calls it before Read on every refresh, not after Create/Update.
   */
  exists?(s: Session, state: State): Promise<boolean>;
  /** Upstream Read: the refreshed state, or null when the object is gone (d.SetId("")). */
  read(s: Session, state: State): Promise<State | null>;
  /**
   * Upstream Create, including the Read it ends with; returns what that Read found, which is the
   * state Pulumi records for the resource (null: the Read found nothing).
   */
  create(s: Session, desired: State): Promise<State | null>;
  /**
   * Upstream Update (d.HasChange(x) === changed.has(x), old values from the recorded state), including
   * the Read it ends with; returns what that Read found.
   */
  update(s: Session, old: State, desired: State, changed: Set<string>): Promise<State | null>;
  delete(s: Session, state: State): Promise<void>;
}

export const str = (v: unknown): string => (typeof v === "string" ? v : "");
export const bool = (v: unknown): boolean => v === true;
export const int = (v: unknown): number => (typeof v === "number" ? v : 0);
export const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
