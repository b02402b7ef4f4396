// The tenant CLI: a tenant's schema policy (required attributes, its custom User extension, unknown
// attributes), shown in words with the names to enter in Entra, set from a file or edited by flag, checked
// (CI of a policy file) and cleared. Parser, usage and runner: command-line.ts. Reads no environment:
// main gets the service; the policy is written through the store's settings rows.
import { readFileSync } from "node:fs";
import { type CustomType, type TenantPolicy, DEFAULT_POLICY, customExtensionUrn, parsePolicy } from "../shared/scim/policy";
import { POLICY_CACHE_SECONDS as CACHE_SECONDS, POLICY_SETTING } from "../shared/http/policies";
import { TENANT as TENANT_KEY } from "../shared/auth/records";
import type { Service } from "../shared/root";
import { type Args, type CommandGroup, CommandLine, type Io, type Option, UsageError, flag, text } from "./command-line";

export type { Io } from "./command-line";
/** What the commands work on: the settings (the deployment default) and the store. */
export type Tenants = Pick<Service, "config" | "store">;

const KINDS = ["User", "Group"] as const;
type Kind = (typeof KINDS)[number];

const tenantOption = { tenant: text("t", true) };
const fileOption = (required: boolean) => ({ file: text("policy.json", required) });
const repeatable = (value: string): Option => ({ type: "string", value, repeatable: true });

/** Where the tenant's effective policy comes from. */
type Source = "stored" | "deployment" | "built-in";

interface Effective {
  policy: TenantPolicy;
  source: Source;
  /** The stored text, when it no longer parses (the instances apply the default and log policy.invalid). */
  invalid?: string;
}

function tenantOf(a: Args): string {
  const tenant = a.need("tenant");
  if (!TENANT_KEY.test(tenant)) throw new UsageError(`--tenant '${tenant}' must be lowercase letters, digits and hyphens.`);
  return tenant;
}

/** SCIM_DEFAULT_POLICY (the Bicep parameter tenantPolicy), else the built-in default. */
function deploymentDefault(cx: Tenants): Effective & { source: Exclude<Source, "stored"> } {
  const seeded = cx.config.defaultPolicy;
  return seeded ? { policy: parsePolicy(JSON.parse(seeded)), source: "deployment" } : { policy: DEFAULT_POLICY, source: "built-in" };
}

/** 1 round trip: the stored policy, or the default the instances apply instead. */
async function effectivePolicy(cx: Tenants, tenant: string): Promise<Effective> {
  const stored = await (await cx.store.settings(tenant)).get(POLICY_SETTING);
  if (stored === undefined) return deploymentDefault(cx);
  try {
    return { policy: parsePolicy(JSON.parse(stored)), source: "stored" };
  } catch (e) {
    return { ...deploymentDefault(cx), invalid: e instanceof Error ? e.message : String(e) };
  }
}

/** A policy file, parsed and checked; undefined after saying what is wrong (the caller exits 2). */
function readPolicyFile(file: string, io: Io): TenantPolicy | undefined {
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (e) {
    io.err(`error: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  try {
    return parsePolicy(JSON.parse(content));
  } catch (e) {
    io.err(`error: ${file}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** `User:name.givenName` → ["User", "name.givenName"]; the path may hold colons (extension URNs). */
function kindAndPath(option: string, value: string): [Kind, string] {
  const colon = value.indexOf(":");
  const kind = KINDS.find((k) => k === value.slice(0, colon));
  const path = value.slice(colon + 1).trim();
  if (colon < 0 || !kind || path === "") throw new UsageError(`--${option} is <Kind:path> with Kind User or Group, e.g. User:name.givenName; got '${value}'.`);
  return [kind, path];
}

const samePath = (x: string, y: string) => x.toLowerCase() === y.toLowerCase(); // SCIM attribute names are case-insensitive

/** The current policy with --require, --unrequire and --unknown-attributes applied (unchecked: parsePolicy checks it). */
function edited(current: TenantPolicy, a: Args): TenantPolicy {
  const required = { User: [...current.required.User], Group: [...current.required.Group] };
  for (const value of a.list("unrequire")) {
    const [kind, path] = kindAndPath("unrequire", value);
    const at = required[kind].findIndex((p) => samePath(p, path));
    if (at < 0) throw new Error(`${kind}:${path} is not required (required ${kind} attributes: ${required[kind].join(", ") || "none"}).`);
    required[kind].splice(at, 1);
  }
  for (const value of a.list("require")) {
    const [kind, path] = kindAndPath("require", value);
    if (!required[kind].some((p) => samePath(p, path))) required[kind].push(path);
  }
  const unknown = a.str("unknown-attributes");
  return { ...current, required, unknownAttributes: unknown === "reject" || unknown === "ignore" ? unknown : current.unknownAttributes };
}

/** Entra's attribute-list types (Binary, Boolean, DateTime, Integer, Reference, String) for ours. */
const ENTRA_TYPE: Record<CustomType, string> = {
  string: "String",
  boolean: "Boolean",
  integer: "Integer",
  decimal: "String (a number as text; Entra has no decimal type)",
  dateTime: "DateTime",
  reference: "Reference (gallery apps only)",
};

const DEFAULT_WORDS: Record<Exclude<Source, "stored">, string> = {
  deployment: "the deployment default (SCIM_DEFAULT_POLICY, from the Bicep parameter tenantPolicy)",
  "built-in": "the built-in default (no SCIM_DEFAULT_POLICY is set)",
};

/** Where the policy comes from, in words. */
function sourceWords({ source, invalid }: Effective): string {
  if (source === "stored") return "stored for this tenant (`policy clear` goes back to the deployment default)";
  return invalid ? `the stored policy is invalid, so the instances apply ${DEFAULT_WORDS[source]}` : `none stored: ${DEFAULT_WORDS[source]}`;
}

/** The policy in words, for the operator and the customer's IT admin. */
function describe(policy: TenantPolicy): string[] {
  const lines = ["Required attributes (a POST, PUT or PATCH that leaves one without a value is 400 invalidValue naming it):"];
  for (const kind of KINDS) lines.push(`  ${kind}:${" ".repeat(6 - kind.length)}${policy.required[kind].join(", ") || "none"}`);
  const extension = policy.extension;
  if (!extension) lines.push("Custom extension: none.");
  else {
    const urn = customExtensionUrn(extension.name);
    lines.push(`Custom extension ${extension.name}: ${urn}`);
    const width = Math.max(...extension.attributes.map((x) => x.name.length));
    for (const x of extension.attributes) {
      lines.push(`  ${x.name.padEnd(width)}  ${x.type}${x.caseExact ? ", case-exact" : ""}${x.description ? ` (${x.description})` : ""}`);
    }
    lines.push("  In Entra (Provisioning → Mappings → Provision Microsoft Entra ID Users → Show advanced options →");
    lines.push("  Edit attribute list for <app>), add each attribute under this exact name with this type:");
    for (const x of extension.attributes) lines.push(`    ${urn}:${x.name}   ${ENTRA_TYPE[x.type]}`);
    lines.push("  then map a source attribute to it. Entra does not add the URN to schemas[]; it is accepted without.");
  }
  lines.push(
    policy.unknownAttributes === "ignore"
      ? "Unknown attributes: ignored, and counted by name (the request log's ignoredAttributes), so a wrong mapping does not fail every user."
      : "Unknown attributes: refused with 400 (invalidSyntax, or invalidPath in a PATCH path), naming the attribute.",
  );
  lines.push(`A change reaches every instance within ${CACHE_SECONDS} s.`);
  return lines;
}

async function store(cx: Tenants, tenant: string, policy: TenantPolicy): Promise<void> {
  await (await cx.store.settings(tenant)).put(POLICY_SETTING, JSON.stringify(policy));
}

const GROUPS: CommandGroup<Tenants>[] = [
  {
    title: "Schema policy (required attributes, the custom User extension, unknown attributes):",
    commands: {
      "policy show": {
        options: { ...tenantOption, json: flag },
        async run(a, io, cx) {
          const tenant = tenantOf(a);
          const effective = await effectivePolicy(cx, tenant);
          const { policy, source, invalid } = effective;
          if (a.flag("json")) {
            io.out(
              JSON.stringify({
                tenant,
                source,
                policy,
                ...(policy.extension ? { extensionUrn: customExtensionUrn(policy.extension.name) } : {}),
                ...(invalid ? { storedInvalid: invalid } : {}),
              }),
            );
            return invalid ? 1 : 0;
          }
          if (invalid) io.err(`error: the policy stored for tenant ${tenant} is invalid (${invalid}); the instances apply the default instead.`);
          io.out(`Policy of tenant ${tenant}: ${sourceWords(effective)}.`);
          for (const line of describe(policy)) io.out(line);
          return invalid ? 1 : 0;
        },
      },
      "policy set": {
        options: {
          ...tenantOption,
          ...fileOption(false),
          require: repeatable("Kind:path"),
          unrequire: repeatable("Kind:path"),
          "unknown-attributes": { type: "string", value: "ignore|reject", choices: ["ignore", "reject"] },
          "dry-run": flag,
        },
        async run(a, io, cx) {
          const tenant = tenantOf(a);
          const file = a.str("file");
          const edits = a.list("require").length + a.list("unrequire").length + (a.str("unknown-attributes") === undefined ? 0 : 1);
          if (file !== undefined && edits > 0)
            throw new UsageError(
              "--file replaces the whole policy; --require, --unrequire and --unknown-attributes edit the current one: give one or the other.",
            );
          if (file === undefined && edits === 0)
            throw new UsageError("policy set needs --file <policy.json>, or --require, --unrequire or --unknown-attributes.");
          let policy: TenantPolicy | undefined;
          let from = `from ${file ?? ""}`;
          if (file !== undefined) policy = readPolicyFile(file, io);
          else {
            const current = await effectivePolicy(cx, tenant);
            if (current.invalid) {
              io.err(`error: the policy stored for tenant ${tenant} is invalid (${current.invalid}); replace it with --file or remove it with policy clear.`);
              return 1;
            }
            from = current.source === "stored" ? "edited from the stored policy" : `edited from ${DEFAULT_WORDS[current.source]}`;
            const changed = edited(current.policy, a); // a malformed flag: 2 with the usage; --unrequire of a path not required: 1
            try {
              policy = parsePolicy(changed);
            } catch (e) {
              io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
            }
          }
          if (!policy) return 2;
          if (a.flag("dry-run")) {
            io.out(`Dry run: nothing stored. Would store for tenant ${tenant} (${from}):`);
            io.out(JSON.stringify(policy, null, 2));
          } else {
            await store(cx, tenant, policy);
            io.out(`Stored the policy of tenant ${tenant} (${from}).`);
          }
          for (const line of describe(policy)) io.out(line);
          return 0;
        },
      },
      "policy check": {
        options: { ...fileOption(true) },
        run(a, io) {
          const file = a.need("file");
          const policy = readPolicyFile(file, io);
          if (!policy) return Promise.resolve(2);
          io.out(`${file}: a valid policy.`);
          for (const line of describe(policy)) io.out(line);
          return Promise.resolve(0);
        },
      },
      "policy clear": {
        options: { ...tenantOption },
        async run(a, io, cx) {
          const tenant = tenantOf(a);
          const removed = await (await cx.store.settings(tenant)).remove(POLICY_SETTING);
          const fallback = DEFAULT_WORDS[deploymentDefault(cx).source];
          io.out(
            removed
              ? `Removed the policy of tenant ${tenant}; every instance applies ${fallback} within ${CACHE_SECONDS} s.`
              : `Tenant ${tenant} has no stored policy (it has ${fallback}).`,
          );
          return removed ? 0 : 1;
        },
      },
    },
  },
];

const EDIT_NOTES = [
  `Kind:path is User:<attribute path> or Group:<attribute path>, e.g. User:name.givenName or 'User:emails[type eq "work"].value'.`,
  "--file replaces the whole policy; --require, --unrequire (both repeatable) and --unknown-attributes edit the current",
  "  one (the stored policy, else the deployment default); --dry-run prints what would be stored and stores nothing.",
];
const CHANGE_NOTE = `A change reaches every instance within ${CACHE_SECONDS} s. The policy file's format: README, "Schema policy".`;

const CLI = new CommandLine<Tenants>({
  name: "npm run tenant --",
  groups: GROUPS,
  footer: () => [...EDIT_NOTES, CHANGE_NOTE, "Every command takes -h/--help. Exit codes: 0 done, 1 not found or refused, 2 usage error or invalid policy."],
  commandFooter: (_, spec) => [...("require" in spec.options ? EDIT_NOTES : []), CHANGE_NOTE],
});

/** The whole usage, or one command's. */
export const usage = (cx: Tenants, command?: string): string => CLI.usage(cx, command);

/** Runs one command line; returns the process exit code (0 ok, 1 not found / refused, 2 usage or invalid policy). */
export const main = (argv: string[], io: Io, cx: Tenants): Promise<number> => CLI.main(argv, io, cx);
