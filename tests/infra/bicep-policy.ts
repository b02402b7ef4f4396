// The security policy of the per-tenant stamp, asserted on syntax trees: required property values per
// resource type, no key-based access or secrets anywhere, GA API versions, allow-listed roles only,
// role assignments named guid(scope, principal, role), outputs free of secrets.
import type { Node } from "./bicep-grammar";
import type { BicepFile } from "./bicep-model";
import { Literal, codeChildren, decoratorsOf, descendants, literal, property, propertyKey, propertyPath } from "./bicep-syntax";
import { ALLOWED_ROLES } from "./role-allow-list";
import { Finding, at } from "./finding";

interface Expectation {
  type: string;
  path: string;
  value: Literal;
  rule: string;
}

/** Literal values each (non-`existing`) resource of the type must declare. */
export const EXPECTATIONS: Expectation[] = [
  { type: "Microsoft.Storage/storageAccounts", path: "properties.allowSharedKeyAccess", value: false, rule: "storage-shared-key" },
  { type: "Microsoft.Storage/storageAccounts", path: "properties.minimumTlsVersion", value: "TLS1_2", rule: "storage-tls" },
  { type: "Microsoft.Storage/storageAccounts", path: "properties.allowBlobPublicAccess", value: false, rule: "storage-public-blob" },
  { type: "Microsoft.Storage/storageAccounts", path: "properties.supportsHttpsTrafficOnly", value: true, rule: "storage-https" },
  { type: "Microsoft.Web/serverfarms", path: "sku.name", value: "FC1", rule: "flex-plan" },
  { type: "Microsoft.Web/serverfarms", path: "properties.reserved", value: true, rule: "flex-plan" },
  { type: "Microsoft.Web/sites", path: "kind", value: "functionapp,linux", rule: "flex-plan" },
  { type: "Microsoft.Web/sites", path: "properties.httpsOnly", value: true, rule: "site-https" },
  // Exactly 1.2: Entra's provisioning client speaks TLS 1.2 only, so '1.3' would lock it out.
  { type: "Microsoft.Web/sites", path: "properties.siteConfig.minTlsVersion", value: "1.2", rule: "site-tls" },
  { type: "Microsoft.Web/sites", path: "properties.siteConfig.ftpsState", value: "Disabled", rule: "site-ftps" },
  { type: "Microsoft.Web/sites", path: "properties.functionAppConfig.runtime.name", value: "node", rule: "site-runtime" },
  {
    type: "Microsoft.Web/sites",
    path: "properties.functionAppConfig.deployment.storage.authentication.type",
    value: "UserAssignedIdentity",
    rule: "site-deploy-identity",
  },
  { type: "Microsoft.KeyVault/vaults", path: "properties.enableRbacAuthorization", value: true, rule: "vault-rbac" },
  { type: "Microsoft.KeyVault/vaults", path: "properties.enableSoftDelete", value: true, rule: "vault-soft-delete" },
  { type: "Microsoft.KeyVault/vaults", path: "properties.enablePurgeProtection", value: true, rule: "vault-purge-protection" },
  { type: "Microsoft.Insights/components", path: "properties.DisableLocalAuth", value: true, rule: "appinsights-local-auth" },
];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET_TEXT = /AccountKey=|SharedAccessSignature=|SharedAccessKey=|DefaultEndpointsProtocol=|InstrumentationKey=|[?&]sig=/i;
const SECRET_NAME = /password|secret|connectionstring|accountkey|primarykey|secondarykey|instrumentationkey|sastoken|token|credential/;
const SECRET_MEMBER = /connectionstring|password|secret|^primarykey$|^secondarykey$|^instrumentationkey$|^keys$/i;
const AI_CONNECTION_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING";

const ofType = (f: BicepFile, type: string) => f.allResources.filter((r) => !r.existing && r.type.toLowerCase() === type.toLowerCase());
const show = (n: Node | undefined) => (n ? n.text.split("\n")[0]!.slice(0, 60) : "missing");

function expectationFindings(f: BicepFile): Finding[] {
  const out: Finding[] = [];
  for (const e of EXPECTATIONS) {
    for (const r of ofType(f, e.type)) {
      const node = propertyPath(r.body, e.path);
      if (literal(node) !== e.value) out.push(at(f.path, node ?? r.node, e.rule, `${r.name}: ${e.path} must be ${JSON.stringify(e.value)}, is ${show(node)}`));
    }
  }
  return out;
}

/** Each site has ftp and scm basic-auth publishing credentials switched off. */
function basicAuthFindings(f: BicepFile): Finding[] {
  const out: Finding[] = [];
  for (const site of ofType(f, "Microsoft.Web/sites")) {
    const policies = ofType(f, "Microsoft.Web/sites/basicPublishingCredentialsPolicies").filter(
      (p) => p.parent === site || property(p.body, "parent")?.text === site.name,
    );
    for (const kind of ["ftp", "scm"]) {
      const p = policies.find((x) => literal(property(x.body, "name")) === kind);
      if (!p || literal(propertyPath(p.body, "properties.allow")) !== false)
        out.push(at(f.path, p?.node ?? site.node, "site-basic-auth", `${site.name}: basicPublishingCredentialsPolicies '${kind}' must set allow: false`));
    }
  }
  return out;
}

function enclosingSettingName(n: Node): string | undefined {
  for (let a = n.parent; a; a = a.parent) if (a.type === "object_property") return propertyKey(a);
  return undefined;
}

/** No key listing, no secret-bearing strings, no connection strings except App Insights'. */
function secretFindings(f: BicepFile): Finding[] {
  const out: Finding[] = [];
  const root = f.tree.rootNode;
  for (const call of descendants(root, "call_expression")) {
    const fn = call.childForFieldName("function");
    const name = fn?.type === "member_expression" ? fn.childForFieldName("property")?.text : fn?.text;
    if (name && /^list/i.test(name)) out.push(at(f.path, call, "no-list-keys", `${name}() reads keys or secrets into the deployment`));
  }
  for (const s of descendants(root, "string"))
    if (SECRET_TEXT.test(s.text)) out.push(at(f.path, s, "no-secret-strings", `string looks like a key or connection string: ${show(s)}`));
  for (const key of descendants(root, "object_property")) {
    const k = propertyKey(key);
    if (k && /connection_?string/i.test(k) && k !== AI_CONNECTION_SETTING)
      out.push(at(f.path, key, "no-connection-strings", `'${k}' carries a connection string`));
  }
  for (const prop of descendants(root, "property_identifier")) {
    if (!/connectionstring/i.test(prop.text)) continue;
    let owner = prop.parent?.childForFieldName("object");
    while (owner?.type === "member_expression") owner = owner.childForFieldName("object");
    const ownerResource = owner?.type === "identifier" ? f.allResources.find((r) => r.name === owner.text) : undefined;
    const isAppInsights = ownerResource?.type.toLowerCase() === "microsoft.insights/components";
    if (!(isAppInsights && enclosingSettingName(prop) === AI_CONNECTION_SETTING))
      out.push(at(f.path, prop, "no-connection-strings", `'${prop.text}' is read outside the ${AI_CONNECTION_SETTING} setting`));
  }
  const declared: [string, Node][] = [...[...f.params.values()].map((p) => [p.name, p.node] as [string, Node]), ...f.vars];
  for (const [name, node] of declared)
    if (/connectionstring|accountkey/i.test(name)) out.push(at(f.path, node, "no-connection-strings", `'${name}' names a connection string or key`));
  return out;
}

function apiVersionFindings(f: BicepFile): Finding[] {
  return f.allResources
    .filter((r) => r.apiVersion?.toLowerCase().includes("-preview"))
    .map((r) => at(f.path, r.typeNode, "no-preview-api", `${r.type}@${r.apiVersion!} is a preview API version`));
}

/** Every GUID literal is an allow-listed role, named in a comment on the same line. */
function roleFindings(f: BicepFile): Finding[] {
  const out: Finding[] = [];
  const lines = f.text.split("\n");
  for (const s of descendants(f.tree.rootNode, "string")) {
    const v = literal(s);
    if (typeof v !== "string" || !GUID.test(v)) continue;
    const role = ALLOWED_ROLES[v.toLowerCase()];
    if (!role) {
      out.push(at(f.path, s, "role-allow-list", `role definition ${v} is not on the allow-list`));
      continue;
    }
    const comment = lines[s.startPosition.row]!.slice(s.endPosition.column);
    if (!new RegExp(`//.*\\b${role}\\b`).test(comment)) out.push(at(f.path, s, "role-comment", `role ${v} needs a '// ${role}' comment on its line`));
  }
  for (const ra of ofType(f, "Microsoft.Authorization/roleAssignments")) {
    const name = property(ra.body, "name");
    const fn = name?.type === "call_expression" ? name.childForFieldName("function")?.text : undefined;
    const args = name?.childForFieldName("arguments");
    if (fn !== "guid" || !args || codeChildren(args).length !== 3)
      out.push(at(f.path, name ?? ra.node, "role-assignment-name", `${ra.name}: name must be guid(scope.id, principalId, roleId)`));
    for (const p of ["roleDefinitionId", "principalId", "principalType"])
      if (!propertyPath(ra.body, `properties.${p}`)) out.push(at(f.path, ra.node, "role-assignment-shape", `${ra.name}: properties.${p} is required`));
    if (!property(ra.body, "scope"))
      out.push(at(f.path, ra.node, "role-assignment-scope", `${ra.name}: scope it to the resource it is for, not the resource group`));
  }
  return out;
}

function outputFindings(f: BicepFile): Finding[] {
  const out: Finding[] = [];
  for (const o of f.outputs.values()) {
    if (o.decorators.some((d) => d.name === "secure") || decoratorsOf(o.node).some((d) => d.name === "secure"))
      out.push(at(f.path, o.node, "output-secret", `output '${o.name}' is @secure(): outputs must carry nothing secret`));
    if (SECRET_NAME.test(o.name.replace(/_/g, "").toLowerCase())) out.push(at(f.path, o.node, "output-secret", `output '${o.name}' is named like a secret`));
    for (const prop of o.value ? descendants(o.value, "property_identifier") : [])
      if (SECRET_MEMBER.test(prop.text)) out.push(at(f.path, prop, "output-secret", `output '${o.name}' reads '${prop.text}'`));
  }
  return out;
}

/** What one tenant's stamp must deploy (not `existing`), across all its templates. */
export const REQUIRED_RESOURCES = [
  "Microsoft.ManagedIdentity/userAssignedIdentities",
  "Microsoft.Storage/storageAccounts",
  "Microsoft.Storage/storageAccounts/blobServices/containers",
  "Microsoft.Storage/storageAccounts/tableServices/tables",
  "Microsoft.Storage/storageAccounts/queueServices/queues",
  "Microsoft.KeyVault/vaults",
  "Microsoft.OperationalInsights/workspaces",
  "Microsoft.Insights/components",
  "Microsoft.Web/serverfarms",
  "Microsoft.Web/sites",
  "Microsoft.Authorization/roleAssignments",
];

export function requiredResourceFindings(files: BicepFile[], root = "infra/main.bicep"): Finding[] {
  const deployed = new Set(files.flatMap((f) => f.allResources.filter((r) => !r.existing).map((r) => r.type.toLowerCase())));
  return REQUIRED_RESOURCES.filter((t) => !deployed.has(t.toLowerCase())).map((t) => ({
    file: root,
    line: 1,
    column: 1,
    rule: "required-resource",
    message: `no template deploys a ${t}`,
  }));
}

export function policyFindings(f: BicepFile): Finding[] {
  return [...expectationFindings(f), ...basicAuthFindings(f), ...secretFindings(f), ...apiVersionFindings(f), ...roleFindings(f), ...outputFindings(f)];
}
