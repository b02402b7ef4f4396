// Preloaded into Azurite (node -r) by scripts/azurite.ts. Keeps point operations independent of how many
// rows the table holds, as they are on the real service. Two LokiJS costs Azurite pays per operation:
//
// 1. Lookups. Azurite's in-memory store finds entities with findOne({PartitionKey, RowKey}); LokiJS
//    answers a multi-key query through the index of the FIRST key only and scans the rest, so with one
//    tenant per partition every point operation cost O(rows in the partition) (a 100-entity transaction
//    took ~1.5 s at 200,000 rows). Putting RowKey first lets Loki use its RowKey index: the same answer
//    (AND commutes), at the cost real Table Storage has.
//
// 2. Replacing an entity. Azurite replaces (Update, InsertOrReplace, and the rollback of a failed
//    transaction) by Collection.remove + insert. Loki's binary indices hold positions in its data array,
//    so every remove renumbers every index entry above the hole (a loop over all rows of the table, for
//    each of the two indices) and scans the PartitionKey index's range of the whole partition to find the
//    entry: O(rows in the table) per replaced entity. A PATCH /Users replaces 3 rows, so at 100,000 users
//    (~300,000 rows) it cost ~7 ms of Azurite's single thread and ~70% of its CPU (profile), and at 8 in
//    flight PATCH latency grew with the tenant. Here a replace keeps the stored document's place: the new
//    entity takes over its Loki id and position (Collection.update), and since PartitionKey and RowKey are
//    unchanged the indices stay valid and are left alone (Loki's own update would rescan them; Merge goes
//    through that path too). Same observable result: the stored entity, its ETag and Timestamp, 412 on a
//    stale If-Match, rollback of a failed transaction; queries sort their results, so the position in
//    Loki's data array is not visible. Applied only while Azurite's updateTableEntity and
//    rollbackEntityChanges still read as the remove + insert they were written against (azurite 3.35.0);
//    otherwise Azurite keeps its own code (correct, only slower at scale).
//
// 3. Range queries. Azurite answers every query by running its filter over every entity of the table,
//    then sorting all the matches, then taking a page: a page of `RowKey ge a and RowKey lt b` in one
//    partition cost O(rows in the table + matches after a). Reading a tenant's event log (or a
//    100,000-member group) page by page therefore slowed with the history's size, on Azurite only. The
//    store's ranges all have one shape (shared/store/partition.ts): `PartitionKey eq p and RowKey ge a
//    and RowKey lt b`. For exactly that filter, the page is read from Loki's RowKey binary index: a binary
//    search to the first key ≥ a (or the continuation key), then a walk in key order keeping the
//    partition's rows until the page is full or the key reaches b. Same rows, same order, same
//    continuation headers as Azurite's own path; any other filter takes Azurite's path.
"use strict";
const path = require("node:path");
const azuriteDir = path.dirname(require.resolve("azurite/package.json"));
const Loki = require(require.resolve("lokijs", { paths: [azuriteDir] }));
const Collection = Loki.Collection.prototype;

const findOne = Collection.findOne;
Collection.findOne = function (query) {
  if (query && typeof query === "object" && "PartitionKey" in query && "RowKey" in query) {
    const { RowKey, PartitionKey, ...rest } = query;
    query = { RowKey, PartitionKey, ...rest };
  }
  return findOne.call(this, query);
};

// Loki's update re-sorts the changed document into every binary index by a linear scan. When the indexed
// values are the same as the stored document's, its entries are already where they belong.
const update = Collection.update;
const keepIndexEntry = () => undefined;
Collection.update = function (doc) {
  if (doc && !Array.isArray(doc) && this.adaptiveBinaryIndices && Object.prototype.hasOwnProperty.call(doc, "$loki")) {
    const stored = this.get(doc.$loki);
    if (stored && stored !== doc && Object.keys(this.binaryIndices).every((key) => stored[key] === doc[key])) {
      this.adaptiveBinaryIndexUpdate = keepIndexEntry; // shadows the prototype's method for this call only
      try {
        return update.call(this, doc);
      } finally {
        delete this.adaptiveBinaryIndexUpdate;
      }
    }
  }
  return update.call(this, doc);
};

/** `entity` (same PartitionKey and RowKey as the stored `doc`) takes `doc`'s place in the collection. */
function replaceInPlace(collection, doc, entity) {
  entity.$loki = doc.$loki;
  entity.meta = { ...doc.meta };
  return collection.update(entity);
}

const Store = require(path.join(azuriteDir, "dist/src/table/persistence/LokiTableMetadataStore.js")).default.prototype;
const written = (fn, ...parts) => parts.every((p) => String(fn).includes(p));

if (written(Store.updateTableEntity, "tableEntityCollection.remove(doc);", "tableEntityCollection.insert(entity);", "this.encodeIfMatch(doc.eTag)")) {
  // As Azurite's own, with remove + insert replaced by replaceInPlace.
  Store.updateTableEntity = async function (context, table, account, entity, ifMatch, batchId) {
    const collection = this.getEntityCollection(account, table, context);
    const doc = collection.findOne({ PartitionKey: entity.PartitionKey, RowKey: entity.RowKey });
    if (!doc) throw StorageErrors().getEntityNotFound(context);
    if (batchId !== "") this.transactionRollbackTheseEntities.push(doc);
    const encodedEtag = this.encodeIfMatch(doc.eTag);
    const encodedIfMatch = ifMatch === undefined ? undefined : this.encodeIfMatch(ifMatch);
    if (encodedIfMatch === undefined || encodedIfMatch === "*" || encodedEtag === encodedIfMatch) {
      entity.properties.Timestamp = entity.lastModifiedTime;
      entity.properties["Timestamp@odata.type"] = "Edm.DateTime";
      replaceInPlace(collection, doc, entity);
      return entity;
    }
    throw StorageErrors().getPreconditionFailed(context);
  };
}

if (written(Store.rollbackEntityChanges, "tableBatchCollection.remove(doc);", "tableBatchCollection.insert(copiedEntity);")) {
  // As Azurite's own: put back the entities a failed transaction changed or deleted.
  Store.rollbackEntityChanges = function (collection) {
    for (const entity of this.transactionRollbackTheseEntities) {
      const copied = {
        PartitionKey: entity.PartitionKey,
        RowKey: entity.RowKey,
        properties: entity.properties,
        lastModifiedTime: entity.lastModifiedTime,
        eTag: entity.eTag,
      };
      const doc = collection.findOne({ PartitionKey: entity.PartitionKey, RowKey: entity.RowKey });
      if (doc) replaceInPlace(collection, doc, copied);
      else collection.insert(copied);
    }
  };
}

const RANGE = /^PartitionKey eq '((?:[^']|'')*)' and RowKey ge '((?:[^']|'')*)' and RowKey lt '((?:[^']|'')*)'$/;
const unquote = (s) => s.replace(/''/g, "'");

if (written(Store.queryTableEntities, ".where(queryWhere)", "adjustQueryResultforTop", "decodeContinuationHeader")) {
  const query = Store.queryTableEntities;
  Store.queryTableEntities = async function (context, account, table, queryOptions, nextPartitionKey, nextRowKey) {
    const m = RANGE.exec((queryOptions && queryOptions.filter) || "");
    const nextPk = this.decodeContinuationHeader(nextPartitionKey);
    if (!m || (nextPk !== undefined && nextPk !== unquote(m[1]))) return query.apply(this, arguments);
    const partitionKey = unquote(m[1]);
    const to = unquote(m[3]);
    const nextRk = this.decodeContinuationHeader(nextRowKey);
    const from = nextRk !== undefined && nextRk > unquote(m[2]) ? nextRk : unquote(m[2]);
    const collection = this.getEntityCollection(account, table, context);
    const maxResults = this.getMaxResultsOption(queryOptions);
    collection.ensureIndex("RowKey"); // rebuilds only when Loki marked it dirty
    const positions = collection.binaryIndices.RowKey.values;
    const data = collection.data;
    let lo = 0;
    let hi = positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (data[positions[mid]].RowKey < from) lo = mid + 1;
      else hi = mid;
    }
    const result = [];
    for (let i = lo; i < positions.length && result.length <= maxResults; i++) {
      const doc = data[positions[i]];
      if (doc.RowKey >= to) break;
      if (doc.PartitionKey === partitionKey) result.push(doc);
    }
    const response = this.adjustQueryResultforTop(result, maxResults);
    return [result, response.nextPartitionKeyResponse, response.nextRowKeyResponse];
  };
}

function StorageErrors() {
  return require(path.join(azuriteDir, "dist/src/table/errors/StorageErrorFactory.js")).default;
}
