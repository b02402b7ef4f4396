// The tenant's storage account: Functions host storage, the deployment package container, the
// SCIM table and the queue of change-event nudges. Shared keys are off, so every client (host, app, pipeline) authenticates with Entra ID.

@description('Globally unique, 3-24 lowercase letters and digits.')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object

@description('Redundancy. The SCIM table is the tenant\'s state; ZRS survives a zone outage where the region has zones.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
])
param skuName string

@description('Blob container the Flex Consumption app deploys from.')
param deploymentContainerName string

@description('Table holding users, groups and memberships.')
param tableName string

@description('Queue of change-event nudges: the app sends one after a write commits, its queue trigger dispatches.')
param eventQueueName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Flex Consumption without a VNet has no fixed outbound addresses; access is gated by Entra ID roles.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobServices 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource tableServices 'tableServices' = {
    name: 'default'

    resource scimTable 'tables' = {
      name: tableName
    }
  }

  resource queueServices 'queueServices' = {
    name: 'default'

    resource eventQueue 'queues' = {
      name: eventQueueName
    }

    // Where the Functions host moves a message that failed maxDequeueCount times (host.json). Created
    // here so the host never needs to create a queue; the sweeper dispatches those tenants anyway.
    resource eventPoisonQueue 'queues' = {
      name: '${eventQueueName}-poison'
    }
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output tableEndpoint string = storage.properties.primaryEndpoints.table
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
output tableName string = storage::tableServices::scimTable.name
output queueEndpoint string = storage.properties.primaryEndpoints.queue
