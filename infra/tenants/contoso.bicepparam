// Contoso Ltd: a default stamp, scale to zero.
using '../main.bicep'

param tenantSlug = 'contoso'
param location = 'westeurope'
param tags = {
  customer: 'Contoso Ltd'
}
