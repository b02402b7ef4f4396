// Name resolution on small in-memory templates: modern Bicep syntax resolves cleanly, and names used
// outside the scope that declares them are reported.
import { checkInfra } from "./bicep-check";
import { formatFinding } from "./finding";

const check = async (files: Record<string, string>) => (await checkInfra({ files: new Map(Object.entries(files)), settingsRead: [] })).map(formatFinding);

const modern = `
import { shared } from 'shared.bicep'
param items array
param prefix string = 'x'
@description('Optional, so it may be omitted.')
param note string?
type pair = {
  key: string
  value: int?
}
func label(name string) string => '\${name}-\${length(name)}'
var doubled = map(items, x => x * 2)
var flagged = filter(items, i => i.enabled && i.name != prefix)
var total = reduce(items, 0, (acc, next) => acc + next)
var indexed = [for (item, i) in items: { name: item, at: i }]
var byName = [for item in items: label(item)]
var fallback = note ?? shared
resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: prefix

  resource blobs 'blobServices' existing = {
    name: 'default'
  }
}
output blobId string = st::blobs.id
output counts array = [doubled, flagged, total, indexed, byName, fallback, az.resourceGroup().name, sys.concat('a', 'b')]
output typed pair = { key: 'a', value: 1 }
`;

test("modern syntax resolves: imports, types, functions, lambdas, tuple loops, existing and nested resources", async () => {
  expect(await check({ "infra/modern.bicep": modern, "infra/shared.bicep": "@export()\nvar shared = 'y'\n" })).toEqual([]);
});

test("a loop variable used outside its loop is undeclared", async () => {
  const text = "param items array\noutput names array = [for item in items: item]\noutput first string = item\n";
  expect(await check({ "infra/a.bicep": text })).toEqual(["infra/a.bicep:3:23 [undeclared] 'item' is not declared"]);
});

test("a lambda variable used outside its lambda is undeclared", async () => {
  const text = "param items array\noutput a array = map(items, x => x)\noutput b string = x\n";
  expect(await check({ "infra/a.bicep": text })).toEqual(["infra/a.bicep:3:19 [undeclared] 'x' is not declared"]);
});

test("an unused param, var or existing resource is reported", async () => {
  const text =
    "param used string\nparam spare string\nvar unused = used\n@export()\nvar shared = 1\nresource kv 'Microsoft.KeyVault/vaults@2023-07-01' existing = {\n  name: used\n}\noutput o string = used\n";
  expect(await check({ "infra/a.bicep": text })).toEqual([
    "infra/a.bicep:2:7 [unused-declaration] param 'spare' is never used",
    "infra/a.bicep:3:5 [unused-declaration] var 'unused' is never used",
    "infra/a.bicep:6:10 [unused-declaration] existing resource 'kv' is never used",
  ]);
});

test("a user-defined function cannot read params or vars", async () => {
  const text = "param prefix string\nfunc f(name string) string => '${prefix}${name}'\noutput o string = f(prefix)\n";
  expect(await check({ "infra/a.bicep": text })).toEqual(["infra/a.bicep:2:34 [undeclared] 'prefix' is not declared"]);
});

test("an unknown type, an output used as a value and a missing import file are reported", async () => {
  const text = "import { x } from 'missing.bicep'\nparam p shape\noutput o string = 'a'\noutput v shape = p ?? o\n";
  expect(await check({ "infra/a.bicep": text })).toEqual([
    "infra/a.bicep:2:9 [undeclared-type] type 'shape' is not declared",
    "infra/a.bicep:4:10 [undeclared-type] type 'shape' is not declared",
    "infra/a.bicep:4:23 [undeclared] 'o' is not declared",
    "infra/a.bicep:1:1 [import-path] imported file 'infra/missing.bicep' does not exist",
  ]);
});
