// Least-privilege data-plane roles on the tenant's storage, vault and Application Insights: for the
// app's managed identity, the pipeline identity and (optionally) an operators group. The site-scoped
// code-deploy role lives in app.bicep, beside the site. Names are guid(scope, principal, role), so a
// re-deployment finds the same assignments instead of failing on duplicates. The app's identity enters
// names by resource id: a name must be known when the deployment starts, its principal id is not.

@description('The user-assigned identity the app runs as.')
param identityName string

@description('Object id of the identity that deploys and mints credentials; empty = no assignments.')
param deployerPrincipalId string

@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param deployerPrincipalType string

@description('Object id of an Entra group of operators who read the hand-over secret and manage credentials; empty = none.')
param operatorGroupId string

param storageAccountName string
param deploymentContainerName string
param eventQueueName string

@description('An Event Grid topic in this resource group for the CloudEvents sink; empty = none.')
param eventGridTopicName string
param keyVaultName string
param appInsightsName string

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7' // EventGrid Data Sender
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // Key Vault Secrets Officer
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobServices 'blobServices' existing = {
    name: 'default'

    resource deploymentContainer 'containers' existing = {
      name: deploymentContainerName
    }
  }

  resource queueServices 'queueServices' existing = {
    name: 'default'

    resource eventQueue 'queues' existing = {
      name: eventQueueName
    }

    resource eventPoisonQueue 'queues' existing = {
      name: '${eventQueueName}-poison'
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource eventGridTopic 'Microsoft.EventGrid/topics@2022-06-15' existing = if (!empty(eventGridTopicName)) {
  name: eventGridTopicName
}

// Host storage (leases, keys, the deployment package). Blob Data Owner is the documented minimum for
// AzureWebJobsStorage with an identity; queues are granted below, queue by queue.
resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The SCIM table, and the host's diagnostic-event tables, which is why the scope is the account.
resource appTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The nudge queue: the app sends to it, and its queue trigger reads, processes and deletes messages
// (Reader + Message Processor + Message Sender would cover that), but the host also creates the poison
// queue when it finds it missing before moving a failing message there, a queue write that only
// Contributor grants among the data roles. One role, scoped to these two queues, not to the account.
resource appEventQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::queueServices::eventQueue.id, identity.id, roles.storageQueueDataContributor)
  scope: storage::queueServices::eventQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource appEventPoisonQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::queueServices::eventPoisonQueue.id, identity.id, roles.storageQueueDataContributor)
  scope: storage::queueServices::eventPoisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The optional Event Grid sink: publish events to that topic, nothing else.
resource appEventGridSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(eventGridTopicName)) {
  name: guid(eventGridTopic.id, identity.id, roles.eventGridDataSender)
  scope: eventGridTopic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Secrets Officer rather than Secrets User: the app creates and rotates its own OAuth signing keys
// (secret oauth-signing-keys) on first use, which needs secret writes, not only reads.
resource appSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Telemetry with Entra ID authentication (the component has local auth disabled).
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The pipeline mints the tenant's first credential (writes cred-* and the hand-over secret).
resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// Lets the pipeline upload a package straight into the deployment container (only that container).
resource deployerPackageWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(storage::blobServices::deploymentContainer.id, deployerPrincipalId, roles.storageBlobDataContributor)
  scope: storage::blobServices::deploymentContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// Operators read the hand-over secret once, delete it, and list, revoke or rotate credentials.
resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorGroupId)) {
  name: guid(vault.id, operatorGroupId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: operatorGroupId
    principalType: 'Group'
  }
}
