// Preloaded into Azurite (node -r) by scripts/azurite.ts. Azurite's in-memory store looks entities up
// with findOne({PartitionKey, RowKey}); LokiJS answers a multi-key query through the index of the FIRST
// key only and scans the rest, so with one tenant per partition every point operation cost
// O(rows in the partition) (a 100-entity transaction took ~1.5 s at 200,000 rows). Putting RowKey first
// lets Loki use its RowKey index: the same answer (AND commutes), at the cost real Table Storage has.
"use strict";
const path = require("node:path");
const azuriteDir = path.dirname(require.resolve("azurite/package.json"));
const Loki = require(require.resolve("lokijs", { paths: [azuriteDir] }));

const findOne = Loki.Collection.prototype.findOne;
Loki.Collection.prototype.findOne = function (query) {
  if (query && typeof query === "object" && "PartitionKey" in query && "RowKey" in query) {
    const { RowKey, PartitionKey, ...rest } = query;
    query = { RowKey, PartitionKey, ...rest };
  }
  return findOne.call(this, query);
};
