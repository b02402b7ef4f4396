// Composition root: one isolated SCIM endpoint for one customer tenant, in that tenant's own
// resource group. Derives every resource name from the tenant slug and wires the modules together;
// the resources themselves live in modules/. Naming rules: docs/deploy.md, "Naming".
targetScope = 'resourceGroup'

@description('Tenant slug: 3-30 characters, lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit. Also the parameter file name and the resource group suffix.')
@minLength(3)
@maxLength(30)
param tenantSlug string

@description('Azure region with Flex Consumption.')
param location string = resourceGroup().location

@description('Raise by one to get a new Key Vault name after tearing a tenant down: a deleted vault keeps its name reserved while soft-deleted.')
@minValue(1)
param vaultGeneration int = 1

@description('Node.js major version; matches "engines" in package.json.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '20'

@description('Memory per instance (512 MB = 0.25 vCPU, 2048 MB = 1 vCPU, 4096 MB = 2 vCPU). Billing is per GB-second.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on scale-out. Entra sends a few concurrent requests per tenant; the cap bounds the bill under abuse.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 10

@description('Always-ready instances for a warm endpoint (0 = scale to zero; each one is billed around the clock).')
@minValue(0)
@maxValue(10)
param alwaysReadyInstances int = 0

@description('Storage redundancy for the SCIM table and host storage.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
])
param storageSku string = 'Standard_LRS'

@description('Days a deleted vault or secret stays recoverable; fixed when the vault is created.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteDays int = 90

@description('Days Log Analytics keeps telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Daily Log Analytics ingestion cap in GB (-1 = no cap).')
param logDailyCapGb int = 1

@description('Seconds a credential lookup is cached; revocation takes effect within this time.')
@minValue(1)
@maxValue(30)
param credentialCacheSeconds int = 30

@description('Lifetime of OAuth access tokens issued by the endpoint (60-360 minutes, as Entra requires).')
@minValue(60)
@maxValue(360)
param accessTokenMinutes int = 60

@description('Failed authentications allowed per source and per client within the window before 429.')
@minValue(1)
param authFailureLimit int = 20

@minValue(1)
param authFailureWindowSeconds int = 60

@description('Largest request body the endpoint accepts, in bytes.')
@minValue(1024)
param maxBodyBytes int = 1048576

@description('Requests per second (sustained) per authenticated credential and instance; past it requests wait, then get 429. 8x the gallery floor of 25 req/s per tenant (docs/architecture.md, Request limits).')
@minValue(25)
param credentialRequestsPerSecond int = 200

@description('Requests a credential may send at once above its sustained rate, per instance.')
@minValue(1)
param credentialBurst int = 400

@description('Requests per second per source address for traffic that proves no credential (anonymous routes, 401, 404), per instance.')
@minValue(1)
param anonymousRequestsPerSecond int = 10

@minValue(1)
param anonymousBurst int = 50

@description('Longest a credential request waits in the instance for its budget before 429 (Entra times out at 60 s).')
@minValue(0)
@maxValue(30)
param limitQueueSeconds int = 5

@description('Days of change-event history the Events API and replay serve (one table per day, dropped whole after this).')
@minValue(1)
@maxValue(400)
param eventRetentionDays int = 30

@description('When the event sweeper runs (NCRONTAB, UTC: second minute hour day month weekday). It catches what a lost nudge left and drops expired days; each run wakes the app and is billed (docs/deploy.md, Monthly cost per tenant), so an idle tenant\'s cost is this schedule\'s.')
param eventSweepSchedule string = '0 */10 * * * *'

@description('Optional: an Event Grid topic in this resource group that receives every change event as a CloudEvent 1.0 (docs/events.md). Empty = no Event Grid sink. The app\'s identity gets EventGrid Data Sender on that topic only.')
param eventGridTopicName string = ''
@description('Days of activity (refused requests, writes, hourly counts) the status page, admin API and npm run activity serve (one table per day, dropped whole after this).')
@minValue(1)
@maxValue(400)
param activityRetentionDays int = 30

@description('The tenant schema policy seeded at deployment (README "Schema policy"): required attributes, a custom extension, unknown attributes. A policy set with the CLI overrides it.')
param tenantPolicy object = {}

@description('Object id of the identity that deploys code and mints the first credential; defaults to whoever runs the deployment.')
param deployerPrincipalId string = deployer().objectId

@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param deployerPrincipalType string = 'ServicePrincipal'

@description('Object id of an Entra group of operators allowed to read the hand-over secret and manage credentials (empty = none).')
param operatorGroupId string = ''

@description('Extra tags for every resource (customer name, cost centre).')
param tags object = {}

// Globally unique names need a hash; the slug keeps them recognisable. Hyphens are dropped where the
// resource forbids them, and slugs are cut so each name stays within its length limit.
var compactSlug = replace(tenantSlug, '-', '')
var suffix = uniqueString(subscription().id, resourceGroup().id, tenantSlug)
var vaultSuffix = uniqueString(subscription().id, resourceGroup().id, tenantSlug, string(vaultGeneration))
var names = {
  identity: 'id-scim-${tenantSlug}' // 3-128
  storage: 'st${take(compactSlug, 9)}${suffix}' // 3-24, lowercase letters and digits, global
  keyVault: 'kv-${take(compactSlug, 7)}-${vaultSuffix}' // 3-24, global, reserved while soft-deleted
  logAnalytics: 'log-scim-${tenantSlug}' // 4-63
  appInsights: 'appi-scim-${tenantSlug}' // 1-260
  plan: 'plan-scim-${tenantSlug}' // 1-60
  functionApp: 'func-scim-${tenantSlug}-${suffix}' // 2-60, global (host name)
}
var deploymentContainerName = 'app-package'
var tableName = 'scim'
// The nudge queue: the app sends to it and its queue trigger reads it (SCIM_EVENT_QUEUE); the code's default too.
var eventQueueName = 'scim-events'
var allTags = union(tags, { 'scim-tenant': tenantSlug })

module identity 'modules/identity.bicep' = {
  name: 'scim-identity'
  params: {
    name: names.identity
    location: location
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'scim-monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: allTags
    retentionInDays: logRetentionDays
    dailyCapGb: logDailyCapGb
  }
}

module storage 'modules/storage.bicep' = {
  name: 'scim-storage'
  params: {
    name: names.storage
    location: location
    tags: allTags
    skuName: storageSku
    deploymentContainerName: deploymentContainerName
    tableName: tableName
    eventQueueName: eventQueueName
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'scim-key-vault'
  params: {
    name: names.keyVault
    location: location
    tags: allTags
    softDeleteRetentionInDays: keyVaultSoftDeleteDays
  }
}

// Modules below take names, not other modules' outputs, and read what they need through `existing`:
// parameters known before deployment let `what-if` look inside every module instead of skipping it.
module rbac 'modules/rbac.bicep' = {
  name: 'scim-rbac'
  dependsOn: [
    identity
    storage
    keyVault
    monitoring
  ]
  params: {
    identityName: names.identity
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
    operatorGroupId: operatorGroupId
    storageAccountName: names.storage
    deploymentContainerName: deploymentContainerName
    eventQueueName: eventQueueName
    eventGridTopicName: eventGridTopicName
    keyVaultName: names.keyVault
    appInsightsName: names.appInsights
  }
}

module app 'modules/app.bicep' = {
  name: 'scim-app'
  // After rbac: the app's data-plane roles exist before its host first reaches storage.
  dependsOn: [
    rbac
  ]
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: allTags
    identityName: names.identity
    storageAccountName: names.storage
    deploymentContainerName: deploymentContainerName
    tableName: tableName
    eventQueueName: eventQueueName
    keyVaultName: names.keyVault
    appInsightsName: names.appInsights
    nodeVersion: nodeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyInstances: alwaysReadyInstances
    credentialCacheSeconds: credentialCacheSeconds
    accessTokenMinutes: accessTokenMinutes
    authFailureLimit: authFailureLimit
    authFailureWindowSeconds: authFailureWindowSeconds
    maxBodyBytes: maxBodyBytes
    credentialRequestsPerSecond: credentialRequestsPerSecond
    credentialBurst: credentialBurst
    anonymousRequestsPerSecond: anonymousRequestsPerSecond
    anonymousBurst: anonymousBurst
    limitQueueSeconds: limitQueueSeconds
    eventRetentionDays: eventRetentionDays
    eventSweepSchedule: eventSweepSchedule
    eventGridTopicName: eventGridTopicName
    activityRetentionDays: activityRetentionDays
    tenantPolicy: tenantPolicy
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
  }
}

// Upper-case names because azd copies outputs into the environment (and into hook scripts).
// Nothing secret: the credential is minted after deployment, straight into the vault.
output SCIM_TENANT_SLUG string = tenantSlug
output SCIM_TENANT_URL string = app.outputs.tenantUrl
output AZURE_FUNCTION_APP_NAME string = app.outputs.name
output AZURE_KEY_VAULT_NAME string = names.keyVault
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = names.storage
