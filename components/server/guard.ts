/**
 * The guard against replacing a server by accident. Some server properties can only be set when the
 * server is created: in the Microsoft.DBforPostgreSQL 2025-08-01 spec they are `x-ms-mutability:
 * ["read", "create"]` (location, administratorLogin, backup.geoRedundantBackup, availabilityZone), and
 * a VNet-integrated server keeps its delegated subnet for life ("Required during creation", and public
 * access cannot be switched on or off for it). azure-native marks such properties as forcing a
 * replacement, so changing one in a program would delete the server with its data and create an empty
 * one. The component reads the live server first and refuses such a change with this message instead.
 *
 * The data encryption mode is the other way round: the spec lets `dataEncryption` be updated (keys and
 * identities rotate), so azure-native sends the change as an update, but Microsoft's data encryption
 * article says "The mode can only be selected at server creation time. It can't be changed from one mode
 * to another for the lifetime of the server". Azure would refuse that update midway through a run; the
 * component refuses it before anything is sent, replacement on purpose or not (it would not replace).
 */
import { InputIssue } from "../errors";

/** What the program asks for, in ARM's terms; undefined where the program leaves it to Azure. */
export interface WantedCreateOnly {
  location?: string;
  administratorLogin?: string;
  geoRedundantBackup: "Enabled" | "Disabled";
  availabilityZone?: string;
  /** The delegated subnet of a VNet-integrated server; undefined for public and private-endpoint access. */
  delegatedSubnetResourceId?: string;
}

/** The fields of azure-native's `getServer` result the guard reads. */
export interface LiveServer {
  location?: string;
  /** Spec `DataEncryption`; a server created without it reports `SystemManaged`, or nothing at all. */
  dataEncryption?: { type?: string };
  administratorLogin?: string;
  backup?: { geoRedundantBackup?: string };
  availabilityZone?: string;
  network?: { delegatedSubnetResourceId?: string };
}

/** How to replace the server on purpose; every refusal ends with it. */
export const REPLACE_ON_PURPOSE =
  "it is fixed when the server is created, so this change would replace the server with a new, empty one (its data is not copied). " +
  "Keep the server's value, or, to replace it on purpose after saving the data, set protect: false and allowReplacement: true for that one `pulumi up`";

/** ARM answers region names in its display-free form ("westeurope") but accepts "West Europe" too. */
const region = (s: string) => s.replace(/\s+/g, "").toLowerCase();

/**
 * The create-only changes the program would make to the live server, as input issues named by the
 * fields the user writes. ARM ids and regions compare without regard to case, as ARM compares them.
 */
export function createOnlyChanges(wanted: WantedCreateOnly, live: LiveServer): InputIssue[] {
  const issues: InputIssue[] = [];
  const refuse = (field: string, value: unknown, current: string) =>
    issues.push({ field, value, allowed: `the server's current ${current}: ${REPLACE_ON_PURPOSE}` });

  if (wanted.location !== undefined && live.location !== undefined && region(wanted.location) !== region(live.location))
    refuse("location", wanted.location, `region ${JSON.stringify(live.location)}`);
  // Only a login the program names is compared: turning password auth off sends no login at all.
  if (wanted.administratorLogin !== undefined && wanted.administratorLogin !== (live.administratorLogin ?? undefined))
    refuse(
      "passwordAuth.administratorLogin",
      wanted.administratorLogin,
      live.administratorLogin ? `password administrator ${JSON.stringify(live.administratorLogin)}` : "state: it was created without one",
    );
  const liveGeo = live.backup?.geoRedundantBackup;
  if (liveGeo !== undefined && liveGeo !== wanted.geoRedundantBackup)
    refuse("backup.geoRedundant", wanted.geoRedundantBackup === "Enabled", `geo-redundant backup setting (${liveGeo})`);
  if (wanted.availabilityZone !== undefined && live.availabilityZone && wanted.availabilityZone !== live.availabilityZone)
    refuse("availabilityZone", wanted.availabilityZone, `zone ${JSON.stringify(live.availabilityZone)}`);

  const liveSubnet = live.network?.delegatedSubnetResourceId || undefined;
  const wantedSubnet = wanted.delegatedSubnetResourceId;
  if (liveSubnet === undefined && wantedSubnet !== undefined)
    refuse("network.mode", "vnet", "network: it was created with public access, and VNet integration is chosen at creation");
  else if (liveSubnet !== undefined && wantedSubnet === undefined)
    refuse("network.mode", "(not vnet)", `network: it is integrated into subnet ${liveSubnet}`);
  else if (liveSubnet !== undefined && wantedSubnet !== undefined && liveSubnet.toLowerCase() !== wantedSubnet.toLowerCase())
    refuse("network.delegatedSubnetId", wantedSubnet, `delegated subnet ${liveSubnet}`);
  return issues;
}

/** ARM's data encryption modes (spec `DataEncryptionType`). */
export type EncryptionMode = "SystemManaged" | "AzureKeyVault";

/**
 * A change of encryption mode, which Azure never makes to an existing server (see the top of this file).
 * `wanted` is AzureKeyVault when the program gives a customerManagedKey. A live server that reports no
 * mode was made with service-managed keys, the only mode before customer-managed keys existed.
 */
export function encryptionModeChanges(wanted: EncryptionMode, live: LiveServer): InputIssue[] {
  const current = (live.dataEncryption?.type || "SystemManaged").toLowerCase() === "azurekeyvault" ? "AzureKeyVault" : "SystemManaged";
  if (current === wanted) return [];
  const was = current === "AzureKeyVault" ? "a customer-managed key" : "Azure's service-managed keys";
  return [
    {
      field: "customerManagedKey",
      value: wanted === "AzureKeyVault" ? "(set)" : "(unset)",
      allowed:
        `the server's current encryption, ${was}: Azure chooses the mode when a server is created and refuses to change it for the server's life, ` +
        "so this update would fail at Azure (allowReplacement does not help: it is not a replacement). " +
        "Keep the mode, or create a new server under another serverName and move the data to it",
    },
  ];
}

/**
 * Whether an invoke failed because the server (or its resource group) does not exist yet: ARM answers
 * 404 with codes such as ResourceNotFound or ResourceGroupNotFound, and azure-native passes the status
 * and code on in its error text. A 403 or a network failure is not "absent" and must stop the run.
 */
export function isNotFound(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /\b404\b|NotFound\b|was not found/.test(text);
}
