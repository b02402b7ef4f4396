// The tenant's Key Vault: credential hashes, signing keys and the one-time credential hand-over.
// RBAC only (no access policies); soft delete and purge protection keep a deleted secret recoverable.

@description('Globally unique, 3-24 letters, digits and hyphens. A deleted vault keeps its name reserved until its retention ends.')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object

@description('Days a deleted vault or secret stays recoverable (fixed at creation).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Irreversible: nobody, including the pipeline, can purge this vault or its secrets early.
    enablePurgeProtection: true
    // Flex Consumption without a VNet has no fixed outbound addresses; access is gated by Entra ID roles.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
