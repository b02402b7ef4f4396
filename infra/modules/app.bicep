// The SCIM function app on its own Flex Consumption plan: runtime, scale, the blob container it
// deploys from, every app setting the code reads (identity-based, no keys), and the site-scoped
// code-deploy role for the pipeline.

@description('Globally unique site name; also the default host name unless the platform assigns a unique one.')
param name string

param planName string
param location string
param tags object

@description('The user-assigned identity the app runs as.')
param identityName string

param storageAccountName string
param deploymentContainerName string
param tableName string
param eventQueueName string
param keyVaultName string
param appInsightsName string

@allowed([
  '20'
  '22'
])
param nodeVersion string

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@minValue(0)
param alwaysReadyInstances int

param credentialCacheSeconds int
param accessTokenMinutes int
param authFailureLimit int
param authFailureWindowSeconds int
param maxBodyBytes int
param credentialRequestsPerSecond int
param credentialBurst int
param anonymousRequestsPerSecond int
param anonymousBurst int
param limitQueueSeconds int
param eventRetentionDays int
param eventSweepSchedule string

@description('An Event Grid topic in this resource group for the CloudEvents sink; empty = none.')
param eventGridTopicName string
param activityRetentionDays int
param tenantPolicy object

param deployerPrincipalId string

@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param deployerPrincipalType string

var websiteContributor = 'de139f84-1756-47ae-9be6-808fbbe84772' // Website Contributor

// All HTTP functions scale as one group named 'http' on Flex Consumption.
var alwaysReadyHttp = [
  {
    name: 'http'
    instanceCount: alwaysReadyInstances
  }
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource eventGridTopic 'Microsoft.EventGrid/topics@2022-06-15' existing = if (!empty(eventGridTopicName)) {
  name: eventGridTopicName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the service's target by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      // Not 1.3: Entra's provisioning client negotiates TLS 1.2 only and would be locked out.
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // Always-ready instances keep the endpoint warm for Entra's first request of a cycle; billed.
        alwaysReady: alwaysReadyInstances > 0 ? alwaysReadyHttp : []
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  // Deployments authenticate with Entra ID (Website Contributor), never with publishing passwords.
  resource ftpPolicy 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPolicy 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

// Flex Consumption takes runtime and scale from functionAppConfig, so FUNCTIONS_WORKER_RUNTIME and
// friends are absent on purpose. Nothing here is a secret: storage is reached by identity, and the
// Application Insights connection string only names the endpoint (local auth is disabled).
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    // The queue trigger's connection (eventNudge in functions/index.ts): the nudge queue, by identity.
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
    AZURE_CLIENT_ID: identity.properties.clientId
    SCIM_STORAGE_TABLE_ENDPOINT: storage.properties.primaryEndpoints.table
    SCIM_TABLE_NAME: tableName
    SCIM_KEY_VAULT_URI: vault.properties.vaultUri
    SCIM_PUBLIC_BASE_URL: 'https://${site.properties.defaultHostName}'
    SCIM_CREDENTIAL_CACHE_SECONDS: string(credentialCacheSeconds)
    SCIM_ACCESS_TOKEN_MINUTES: string(accessTokenMinutes)
    SCIM_AUTH_FAILURE_LIMIT: string(authFailureLimit)
    SCIM_AUTH_FAILURE_WINDOW_SECONDS: string(authFailureWindowSeconds)
    SCIM_MAX_BODY_BYTES: string(maxBodyBytes)
    SCIM_CREDENTIAL_REQUESTS_PER_SECOND: string(credentialRequestsPerSecond)
    SCIM_CREDENTIAL_BURST: string(credentialBurst)
    SCIM_ANONYMOUS_REQUESTS_PER_SECOND: string(anonymousRequestsPerSecond)
    SCIM_ANONYMOUS_BURST: string(anonymousBurst)
    SCIM_LIMIT_QUEUE_SECONDS: string(limitQueueSeconds)
    SCIM_EVENT_RETENTION_DAYS: string(eventRetentionDays)
    SCIM_ACTIVITY_RETENTION_DAYS: string(activityRetentionDays)
    SCIM_EVENT_DISPATCH: 'queue'
    // The app sends nudges to the queue the trigger reads: same account, same name.
    SCIM_STORAGE_QUEUE_ENDPOINT: storage.properties.primaryEndpoints.queue
    SCIM_EVENT_QUEUE: eventQueueName
    // Read by the host for the sweeper's timer trigger (%SCIM_EVENT_SWEEP_SCHEDULE%).
    SCIM_EVENT_SWEEP_SCHEDULE: eventSweepSchedule
    // Empty: no Event Grid sink. Otherwise the topic's endpoint, published to with the managed identity.
    SCIM_EVENT_GRID_ENDPOINT: empty(eventGridTopicName) ? '' : eventGridTopic!.properties.endpoint
    // The platform front end appends the address it accepted the connection from to X-Forwarded-For.
    SCIM_TRUST_FORWARDED_FOR: 'true'
    SCIM_DEFAULT_POLICY: empty(tenantPolicy) ? '' : string(tenantPolicy)
  }
}

// Lets a code-only deploy identity publish the package; Contributor on the group would also do, but
// this is the least the functions action needs.
resource deployerCodeDeploy 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(site.id, deployerPrincipalId, websiteContributor)
  scope: site
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', websiteContributor)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output tenantUrl string = 'https://${site.properties.defaultHostName}/scim/v2'
