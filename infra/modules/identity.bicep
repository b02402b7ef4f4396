// The tenant's user-assigned managed identity: who the function app is to storage, Key Vault and
// Application Insights. Created before the app so its role assignments exist when the host starts.

@description('Identity name, unique within the resource group.')
param name string

param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
