// Fabrikam Inc: a warm endpoint (one always-ready instance) on small instances, zone-redundant storage.
using '../main.bicep'

param tenantSlug = 'fabrikam'
param location = 'eastus2'
param instanceMemoryMB = 512
param alwaysReadyInstances = 1
param storageSku = 'Standard_ZRS'
param tags = {
  customer: 'Fabrikam Inc'
}
// Fabrikam's app, like Vonage's, refuses users without a first name, last name and work e-mail.
param tenantPolicy = {
  required: {
    User: ['name.givenName', 'name.familyName', 'emails[type eq "work"].value']
  }
}
