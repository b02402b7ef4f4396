// The checker fails on broken templates: each case edits one committed file in memory and expects
// the rule that catches it (and, where it matters, the line it points at).
import { InfraSources, checkInfra } from "./bicep-check";
import { loadInfraSources } from "./infra-sources";
import { Edit, lineOf, withEdits } from "./mutate";
import { formatFinding } from "./finding";

const MAIN = "infra/main.bicep";
const APP = "infra/modules/app.bicep";
const STORAGE = "infra/modules/storage.bicep";
const VAULT = "infra/modules/key-vault.bicep";
const MONITORING = "infra/modules/monitoring.bicep";
const RBAC = "infra/modules/rbac.bicep";
const CONTOSO = "infra/tenants/contoso.bicepparam";
const FABRIKAM = "infra/tenants/fabrikam.bicepparam";

let real: InfraSources;
beforeAll(async () => {
  real = await loadInfraSources();
});

interface Case {
  name: string;
  edits: Edit[];
  rule: string;
  /** The finding must point at the line where this text is, in the first edit's file. */
  lineOfText?: string;
}

const cases: Case[] = [
  // syntax and resolution
  {
    name: "a syntax error",
    edits: [{ file: MAIN, find: "var tableName = 'scim'", replace: "var tableName = 'scim' ]" }],
    rule: "syntax",
    lineOfText: "var tableName",
  },
  {
    name: "an unbalanced brace",
    edits: [{ file: STORAGE, find: "  resource tableServices 'tableServices' = {", replace: "  resource tableServices 'tableServices' = {{" }],
    rule: "syntax",
  },
  {
    name: "an undeclared identifier",
    edits: [{ file: APP, find: "serverFarmId: plan.id", replace: "serverFarmId: plann.id" }],
    rule: "undeclared",
    lineOfText: "serverFarmId",
  },
  {
    name: "an unknown function",
    edits: [{ file: MAIN, find: "var suffix = uniqueString(", replace: "var suffix = uniqString(" }],
    rule: "undeclared-function",
    lineOfText: "var suffix",
  },
  {
    name: "an unknown decorator",
    edits: [{ file: MAIN, find: "@minLength(3)\n@maxLength(30)\nparam tenantSlug", replace: "@minLenght(3)\n@maxLength(30)\nparam tenantSlug" }],
    rule: "unknown-decorator",
  },
  {
    name: "a nested resource that does not exist",
    edits: [{ file: STORAGE, find: "storage::tableServices::scimTable.name", replace: "storage::tableServices::scimTables.name" }],
    rule: "unknown-nested-resource",
  },
  {
    name: "a misspelt resource property",
    edits: [{ file: APP, find: "output name string = site.name", replace: "output name string = site.nmae" }],
    rule: "resource-member",
  },
  {
    name: "a duplicate declaration",
    edits: [{ file: MAIN, find: "var tableName = 'scim'", replace: "var tableName = 'scim'\nvar tableName = 'users'" }],
    rule: "duplicate-declaration",
  },
  // modules
  {
    name: "a module output that does not exist",
    edits: [{ file: MAIN, find: "app.outputs.tenantUrl", replace: "app.outputs.tenantURL" }],
    rule: "module-output",
    lineOfText: "app.outputs.tenantURL",
  },
  { name: "a module missing a required param", edits: [{ file: MAIN, find: "    skuName: storageSku\n", replace: "" }], rule: "module-param-missing" },
  {
    name: "a module given an undeclared param",
    edits: [
      {
        file: MAIN,
        find: "    softDeleteRetentionInDays: keyVaultSoftDeleteDays\n",
        replace: "    softDeleteRetentionInDays: keyVaultSoftDeleteDays\n    purgeProtection: false\n",
      },
    ],
    rule: "module-param-unknown",
  },
  {
    name: "a module param read from another module's outputs",
    edits: [
      {
        file: MAIN,
        find: "    keyVaultName: names.keyVault\n    appInsightsName: names.appInsights\n    nodeVersion",
        replace: "    keyVaultName: keyVault.outputs.name\n    appInsightsName: names.appInsights\n    nodeVersion",
      },
    ],
    rule: "module-runtime-param",
    lineOfText: "keyVaultName: keyVault.outputs.name",
  },
  {
    name: "an unused param",
    edits: [{ file: MAIN, find: "param tags object = {}", replace: "param tags object = {}\nparam region string = 'westeurope'" }],
    rule: "unused-declaration",
    lineOfText: "param region",
  },
  {
    name: "a module path that does not exist",
    edits: [{ file: MAIN, find: "'modules/key-vault.bicep'", replace: "'modules/keyvault.bicep'" }],
    rule: "module-path",
  },
  {
    name: "a registry module",
    edits: [{ file: MAIN, find: "'modules/identity.bicep'", replace: "'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1'" }],
    rule: "registry-module",
  },
  // parameter files
  {
    name: "a param file naming an undeclared param",
    edits: [{ file: CONTOSO, find: "param location = 'westeurope'", replace: "param location = 'westeurope'\nparam instanceMemory = 512" }],
    rule: "param-undeclared",
    lineOfText: "param instanceMemory",
  },
  { name: "a param file missing a required param", edits: [{ file: CONTOSO, find: "param tenantSlug = 'contoso'\n", replace: "" }], rule: "param-missing" },
  {
    name: "a param value outside @allowed",
    edits: [{ file: FABRIKAM, find: "param instanceMemoryMB = 512", replace: "param instanceMemoryMB = 1024" }],
    rule: "param-value",
  },
  {
    name: "a param value of the wrong type",
    edits: [{ file: FABRIKAM, find: "param alwaysReadyInstances = 1", replace: "param alwaysReadyInstances = '1'" }],
    rule: "param-value",
  },
  {
    name: "a param file whose template does not exist",
    edits: [{ file: CONTOSO, find: "using '../main.bicep'", replace: "using '../mian.bicep'" }],
    rule: "using-target",
  },
  {
    name: "a tenant slug that differs from the file name",
    edits: [{ file: FABRIKAM, find: "param tenantSlug = 'fabrikam'", replace: "param tenantSlug = 'fabrikam-eu'" }],
    rule: "tenant-slug",
  },
  {
    name: "azd parameters naming an undeclared param",
    edits: [{ file: "infra/main.parameters.json", find: '"location": {', replace: '"region": { "value": "x" },\n    "location": {' }],
    rule: "param-undeclared",
  },
  // storage
  {
    name: "allowSharedKeyAccess: true",
    edits: [{ file: STORAGE, find: "allowSharedKeyAccess: false", replace: "allowSharedKeyAccess: true" }],
    rule: "storage-shared-key",
    lineOfText: "allowSharedKeyAccess",
  },
  { name: "storage TLS 1.0", edits: [{ file: STORAGE, find: "minimumTlsVersion: 'TLS1_2'", replace: "minimumTlsVersion: 'TLS1_0'" }], rule: "storage-tls" },
  {
    name: "public blob access",
    edits: [{ file: STORAGE, find: "allowBlobPublicAccess: false", replace: "allowBlobPublicAccess: true" }],
    rule: "storage-public-blob",
  },
  { name: "HTTP allowed to storage", edits: [{ file: STORAGE, find: "    supportsHttpsTrafficOnly: true\n", replace: "" }], rule: "storage-https" },
  // site
  { name: "a plan that is not Flex Consumption", edits: [{ file: APP, find: "name: 'FC1'", replace: "name: 'Y1'" }], rule: "flex-plan" },
  { name: "httpsOnly: false", edits: [{ file: APP, find: "httpsOnly: true", replace: "httpsOnly: false" }], rule: "site-https" },
  {
    name: "minTlsVersion: '1.3' (locks Entra out)",
    edits: [{ file: APP, find: "      minTlsVersion: '1.2'", replace: "      minTlsVersion: '1.3'" }],
    rule: "site-tls",
    lineOfText: "minTlsVersion: '1.3'",
  },
  { name: "FTPS allowed", edits: [{ file: APP, find: "ftpsState: 'Disabled'", replace: "ftpsState: 'FtpsOnly'" }], rule: "site-ftps" },
  {
    name: "SCM basic auth allowed",
    edits: [{ file: APP, find: "name: 'scm'\n    properties: {\n      allow: false", replace: "name: 'scm'\n    properties: {\n      allow: true" }],
    rule: "site-basic-auth",
  },
  {
    name: "deployment from storage by connection string",
    edits: [{ file: APP, find: "type: 'UserAssignedIdentity'\n", replace: "type: 'StorageAccountConnectionString'\n" }],
    rule: "site-deploy-identity",
  },
  // key vault and monitoring
  {
    name: "access policies instead of RBAC",
    edits: [{ file: VAULT, find: "enableRbacAuthorization: true", replace: "enableRbacAuthorization: false" }],
    rule: "vault-rbac",
  },
  { name: "no purge protection", edits: [{ file: VAULT, find: "    enablePurgeProtection: true\n", replace: "" }], rule: "vault-purge-protection" },
  {
    name: "App Insights with local auth",
    edits: [{ file: MONITORING, find: "    DisableLocalAuth: true\n", replace: "    DisableLocalAuth: false\n" }],
    rule: "appinsights-local-auth",
  },
  {
    name: "a preview API version",
    edits: [{ file: VAULT, find: "Microsoft.KeyVault/vaults@2023-07-01", replace: "Microsoft.KeyVault/vaults@2024-12-01-preview" }],
    rule: "no-preview-api",
  },
  // secrets
  {
    name: "host storage by account key",
    edits: [
      {
        file: APP,
        find: "    AzureWebJobsStorage__credential: 'managedidentity'\n",
        replace:
          "    AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value}'\n    AzureWebJobsStorage__credential: 'managedidentity'\n",
      },
    ],
    rule: "no-list-keys",
  },
  {
    name: "a connection string in a string",
    edits: [
      {
        file: APP,
        find: "    AzureWebJobsStorage__credential: 'managedidentity'\n",
        replace: "    SCIM_X: 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc'\n    AzureWebJobsStorage__credential: 'managedidentity'\n",
      },
    ],
    rule: "no-secret-strings",
  },
  {
    name: "an output that leaks a key",
    edits: [
      {
        file: STORAGE,
        find: "output name string = storage.name",
        replace: "output name string = storage.name\noutput primaryKey string = storage.listKeys().keys[0].value",
      },
    ],
    rule: "output-secret",
  },
  {
    name: "a @secure() output",
    edits: [{ file: MAIN, find: "output SCIM_TENANT_SLUG string", replace: "@secure()\noutput SCIM_TENANT_SLUG string" }],
    rule: "output-secret",
  },
  {
    name: "a connection string outside the App Insights setting",
    edits: [
      {
        file: MAIN,
        find: "output AZURE_STORAGE_ACCOUNT_NAME string = names.storage",
        replace: "output AZURE_STORAGE_ACCOUNT_NAME string = names.storage\noutput aiConnection string = monitoring.outputs.connectionString",
      },
    ],
    rule: "no-connection-strings",
  },
  // roles
  {
    name: "a role GUID not on the allow-list (Contributor)",
    edits: [
      { file: APP, find: "'de139f84-1756-47ae-9be6-808fbbe84772' // Website Contributor", replace: "'b24988ac-6180-42a0-ab88-20f7382dd24c' // Contributor" },
    ],
    rule: "role-allow-list",
  },
  {
    name: "a role GUID without its name in a comment",
    edits: [{ file: RBAC, find: "'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // Key Vault Secrets Officer", replace: "'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'" }],
    rule: "role-comment",
  },
  {
    name: "a role assignment not named guid(scope, principal, role)",
    edits: [{ file: APP, find: "name: guid(site.id, deployerPrincipalId, websiteContributor)", replace: "name: 'deployer-website-contributor'" }],
    rule: "role-assignment-name",
  },
  {
    name: "a role assignment without principalType",
    edits: [{ file: RBAC, find: "    principalType: 'Group'\n", replace: "" }],
    rule: "role-assignment-shape",
  },
  // app settings
  {
    name: "a missing app setting",
    edits: [{ file: APP, find: "    SCIM_KEY_VAULT_URI: vault.properties.vaultUri\n", replace: "" }],
    rule: "app-setting-missing",
  },
  {
    name: "a misspelt app setting",
    edits: [{ file: APP, find: "    SCIM_TABLE_NAME: tableName\n", replace: "    SCIM_TABLENAME: tableName\n" }],
    rule: "app-setting-unknown",
  },
  {
    name: "a local-only setting on Azure",
    edits: [
      {
        file: APP,
        find: "    SCIM_TABLE_NAME: tableName\n",
        replace: "    SCIM_TABLE_NAME: tableName\n    SCIM_LOCAL_CREDENTIALS_FILE: '.local/credentials.json'\n",
      },
    ],
    rule: "app-setting-local-only",
  },
  {
    name: "FUNCTIONS_WORKER_RUNTIME on Flex",
    edits: [{ file: APP, find: "    SCIM_TABLE_NAME: tableName\n", replace: "    SCIM_TABLE_NAME: tableName\n    FUNCTIONS_WORKER_RUNTIME: 'node'\n" }],
    rule: "app-setting-local-only",
  },
  {
    name: "WEBSITE_RUN_FROM_PACKAGE on Flex",
    edits: [{ file: APP, find: "    SCIM_TABLE_NAME: tableName\n", replace: "    SCIM_TABLE_NAME: tableName\n    WEBSITE_RUN_FROM_PACKAGE: '1'\n" }],
    rule: "app-setting-flex",
  },
  {
    name: "host storage without managed identity",
    edits: [{ file: APP, find: "AzureWebJobsStorage__credential: 'managedidentity'", replace: "AzureWebJobsStorage__credential: 'secret'" }],
    rule: "app-setting-identity",
  },
  // the nudge queue
  {
    name: "the template names a queue the code does not send to",
    edits: [{ file: MAIN, find: "var eventQueueName = 'scim-events'", replace: "var eventQueueName = 'scim-nudges'" }],
    rule: "event-queue-name",
    lineOfText: "var eventQueueName",
  },
  {
    name: "no poison queue",
    edits: [{ file: STORAGE, find: "      name: '${eventQueueName}-poison'\n", replace: "      name: '${eventQueueName}-dead'\n" }],
    rule: "event-queue-missing",
  },
  {
    name: "the queue trigger reads another service than the nudges go to",
    edits: [
      {
        file: APP,
        find: "AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue",
        replace: "AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.blob",
      },
    ],
    rule: "event-queue-wiring",
  },
  {
    name: "the app is told another queue name",
    edits: [{ file: APP, find: "SCIM_EVENT_QUEUE: eventQueueName", replace: "SCIM_EVENT_QUEUE: tableName" }],
    rule: "event-queue-wiring",
    lineOfText: "SCIM_EVENT_QUEUE: tableName",
  },
  {
    name: "the queue role scoped to the account instead of the queue",
    edits: [{ file: RBAC, find: "  scope: storage::queueServices::eventQueue\n", replace: "  scope: storage\n" }],
    rule: "event-queue-role",
  },
];

describe("the checker rejects", () => {
  test.each(cases)("$name", async ({ edits, rule, lineOfText }) => {
    const findings = await checkInfra(withEdits(real, ...edits));
    const hits = findings.filter((f) => f.rule === rule);
    expect({ rule, found: hits.map(formatFinding), all: findings.length > 0 }).toEqual({
      rule,
      found: expect.arrayContaining([expect.any(String)]),
      all: true,
    });
    if (lineOfText) {
      const edited = withEdits(real, ...edits).files.get(edits[0]!.file)!;
      expect(hits.map((h) => `${h.file}:${h.line}`)).toContain(`${edits[0]!.file}:${lineOf(edited, lineOfText)}`);
    }
  });
});

test("a stamp that lost a module is missing its resources", async () => {
  const files = new Map(real.files);
  files.delete(MONITORING);
  const rules = (await checkInfra({ ...real, files })).map((f) => `${f.rule}: ${f.message}`);
  expect(rules).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^module-path: /),
      "required-resource: no template deploys a Microsoft.OperationalInsights/workspaces",
      "required-resource: no template deploys a Microsoft.Insights/components",
    ]),
  );
});

test("a setting the code starts reading is missing until the template sets it", async () => {
  const findings = await checkInfra({ ...real, settingsRead: [...real.settingsRead, "SCIM_OAUTH_ISSUER"] });
  expect(findings.map(formatFinding)).toEqual([expect.stringMatching(/\[app-setting-missing\] app setting 'SCIM_OAUTH_ISSUER'/)]);
});
