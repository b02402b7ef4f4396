// Names Bicep provides without a declaration: functions, decorators, namespaces and the identifiers
// that may appear in types. A name missing here shows up as an "undeclared" finding, so the list errs
// on the side of completeness (Bicep function reference, all categories).

export const BUILTIN_FUNCTIONS = new Set([
  // any, arrays, objects
  "any", "array", "concat", "contains", "empty", "filter", "first", "flatten", "groupBy", "indexOf", "intersection",
  "items", "join", "last", "lastIndexOf", "length", "map", "mapValues", "max", "min", "objectKeys", "range", "reduce",
  "shallowMerge", "skip", "sort", "take", "toObject", "tryGet", "tryIndexFromEnd", "union", "json",
  // deployment, environment, scope
  "deployer", "deployment", "environment", "managementGroup", "resourceGroup", "subscription", "tenant",
  // dates, logic, numbers
  "dateTimeAdd", "dateTimeFromEpoch", "dateTimeToEpoch", "utcNow", "bool", "int",
  // resources
  "extensionResourceId", "getSecret", "listAccountSas", "listKeys", "listSecrets", "listServiceSas", "list",
  "managementGroupResourceId", "pickZones", "providers", "reference", "resourceId", "subscriptionResourceId",
  "tenantResourceId", "toLogicalZone", "toPhysicalZone",
  // strings
  "base64", "base64ToJson", "base64ToString", "cidrHost", "cidrSubnet", "dataUri", "dataUriToString", "endsWith",
  "format", "guid", "newGuid", "padLeft", "parseCidr", "parseUri", "replace", "split", "startsWith", "string",
  "substring", "toLower", "toUpper", "trim", "uniqueString", "uri", "uriComponent", "uriComponentToString",
  // files loaded at compile time
  "loadFileAsBase64", "loadJsonContent", "loadTextContent", "loadYamlContent", "loadDirectoryFileInfo",
  // .bicepparam only
  "readEnvironmentVariable", "externalInput",
]);

export const BUILTIN_DECORATORS = new Set([
  "allowed", "batchSize", "description", "discriminator", "export", "maxLength", "maxValue", "metadata",
  "minLength", "minValue", "onlyIfNotExists", "sealed", "secure",
]);

/** Namespaces usable as `az.resourceGroup()` or `sys.concat()`. */
export const BUILTIN_NAMESPACES = new Set(["az", "sys"]);

/** Identifiers that may appear inside a type expression. */
export const BUILTIN_TYPE_NAMES = new Set(["resourceInput", "resourceOutput", "resource"]);

/** Top-level properties readable on a resource symbol (`st.id`, `st.properties.x`). */
export const RESOURCE_MEMBERS = new Set([
  "id", "name", "type", "apiVersion", "properties", "location", "tags", "kind", "sku", "identity", "zones", "plan",
  "scope", "etag", "managedBy", "extendedLocation", "systemData",
]);

/** Top-level properties readable on a module symbol. */
export const MODULE_MEMBERS = new Set(["name", "outputs"]);
