// A cursor never skips an event: a reader paging GET /events with small pages while many writers on two
// instances (one table) commit, and, directly, two outbox entries committed in the opposite order of
// their keys (the trap a cursor over writer-made keys falls into; shared/store/event-log.ts), and two
// sequencers racing.
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { randomUUID } from "node:crypto";
import { type OutboxEntry, eventId } from "../../shared/scim/events";
import { EventLog } from "../../shared/store/event-log";
import { tenantPartition } from "../../shared/store/keys";
import { Partition, type ReadRow } from "../../shared/store/partition";
import { outboxRow } from "../../shared/store/rows";
import { type ScimClient, type TestHost, entraUser, patchOp, startTestHost } from "../support/scim-client";

let t: TestHost;
let sibling: TestHost;
beforeAll(async () => {
  t = await startTestHost();
  sibling = await t.sibling();
});
afterAll(async () => {
  await sibling.close();
  await t.close();
});

const WRITERS = 8;
const USERS_PER_WRITER = 10;
const PATCHES_PER_USER = 2;

test("a reader paging 3 at a time during concurrent writes on two instances sees 1…N once each, in order, one per committed change", async () => {
  const scim = await t.newTenant();
  const clients = [scim, new (scim.constructor as typeof ScimClient)(sibling.scimUrl, scim.token, scim.tenant)];
  const api = await t.apiClient(scim.tenant, "events");
  const apis = [api, new (api.constructor as typeof ScimClient)(sibling.host.url, api.token, api.tenant)];

  // What each committed write must have recorded: "<type> <id> <version>".
  const committed: string[] = [];
  const writer = async (w: number) => {
    for (let u = 0; u < USERS_PER_WRITER; u++) {
      const created = await clients[(w + u) % 2]!.post("/Users", entraUser());
      expect(created.status).toBe(201);
      committed.push(`user.created ${created.body.id} ${created.body.meta.version}`);
      for (let p = 0; p < PATCHES_PER_USER; p++) {
        const patched = await clients[(w + u + p + 1) % 2]!.patch(
          `/Users/${created.body.id}`,
          patchOp({ op: "replace", path: "displayName", value: `${w}-${u}-${p}` }),
        );
        expect(patched.status).toBe(200);
        committed.push(`user.updated ${created.body.id} ${patched.body.meta.version}`);
      }
    }
  };

  const seen: any[] = [];
  let done = false;
  const reader = async () => {
    let cursor: string | undefined;
    for (let i = 0; i < 20_000; i++) {
      const finished = done; // read once more after the writers are done: that read sees every commit
      const r = await apis[i % 2]!.get(`/events?limit=3${cursor ? `&after=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.data);
      cursor = r.body.cursor;
      if (finished && !r.body.hasMore && r.body.data.length === 0) return;
    }
    throw new Error("the reader did not catch up");
  };

  const reading = reader();
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  done = true;
  await reading;

  const n = WRITERS * USERS_PER_WRITER * (1 + PATCHES_PER_USER);
  expect(seen.map((e) => e.sequence)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(new Set(seen.map((e) => e.id)).size).toBe(n);
  expect(seen.map((e) => `${e.type} ${e.data.id} ${e.data.version}`).sort()).toEqual(committed.sort());
  // Per user, the events are in the order its writes were made.
  const byUser = new Map<string, string[]>();
  for (const e of seen) byUser.set(e.data.id, [...(byUser.get(e.data.id) ?? []), e.data.resource.displayName ?? "created"]);
  for (const names of byUser.values()) expect(names.slice(1)).toEqual([...names.slice(1)].sort());
});

describe("two entries committed in the opposite order of their keys", () => {
  const table = () =>
    TableClient.fromConnectionString(t.service.config.storageConnectionString!, t.service.config.tableName, { allowInsecureConnection: true });

  /** Commits an outbox entry with a chosen id (as a writer whose key was made earlier or later would). */
  async function commitEntry(tenant: string, id: string): Promise<string> {
    const user = randomUUID();
    const now = new Date().toISOString();
    const entry: OutboxEntry = {
      id,
      at: now,
      changes: [
        {
          type: "user.created",
          resourceType: "User",
          resource: { id: user, doc: { userName: `${user}@example.com` }, created: now, lastModified: now, version: "v1" },
        },
      ],
    };
    const [, row] = outboxRow(tenantPartition(tenant), entry) as ["create", { partitionKey: string; rowKey: string }];
    await table().submitTransaction([["create", row]]);
    return user;
  }

  async function read(api: ScimClient, after?: string) {
    const r = await api.get(`/events?limit=1${after ? `&after=${after}` : ""}`);
    expect(r.status).toBe(200);
    return r.body as { data: any[]; cursor: string; hasMore: boolean };
  }

  test("a reader who passed the later key still gets the earlier key committed after it, next, with no gap", async () => {
    const scim = await t.newTenant();
    const api = await t.apiClient(scim.tenant, "events");
    const earlierKey = eventId(Date.now() - 60_000, "0000000000000000");
    const laterKey = eventId(Date.now(), "ffffffffffffffff");
    const second = await commitEntry(scim.tenant, laterKey); // the later key commits first…
    const page1 = await read(api); // …and a reader passes it
    expect(page1.data.map((e) => [e.sequence, e.id, e.data.id])).toEqual([[1, laterKey, second]]);
    const first = await commitEntry(scim.tenant, earlierKey); // then the earlier key commits
    const page2 = await read(api, page1.cursor);
    expect(page2.data.map((e) => [e.sequence, e.id, e.data.id])).toEqual([[2, earlierKey, first]]);
    expect((await read(api, page2.cursor)).data).toEqual([]);
  });

  test("both committed before anyone reads: each delivered once, numbered 1 and 2", async () => {
    const scim = await t.newTenant();
    const api = await t.apiClient(scim.tenant, "events");
    const a = await commitEntry(scim.tenant, eventId(Date.now(), "ffffffffffffffff"));
    const b = await commitEntry(scim.tenant, eventId(Date.now() - 60_000, "0000000000000000"));
    const page1 = await read(api);
    const page2 = await read(api, page1.cursor);
    const events = [...page1.data, ...page2.data];
    expect(events.map((e) => e.sequence)).toEqual([1, 2]);
    expect(events.map((e) => e.data.id).sort()).toEqual([a, b].sort());
    expect((await read(api, page2.cursor)).data).toEqual([]);
  });
});

test("two sequencers: one whose outbox read is older than two of the other's appends does not append those entries again", async () => {
  // No dispatcher: only A and B sequence, when the test says so.
  const quiet = await startTestHost({ SCIM_EVENT_DISPATCH: "off" });
  const scim = await quiet.newTenant();
  const api = await quiet.apiClient(scim.tenant, "events");
  const pk = tenantPartition(scim.tenant);
  const { config } = quiet.service;
  const connection = config.storageConnectionString!;
  const client = (tableName: string) => TableClient.fromConnectionString(connection, tableName, { allowInsecureConnection: true });
  // Sequencer B (another instance) reads the outbox, and its answer is held until A has appended twice.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let readOnce = false;
  let heldRows = 0;
  let outboxRead: () => void = () => undefined;
  const bHasRead = new Promise<void>((resolve) => (outboxRead = resolve));
  class SlowOutbox extends Partition {
    override async *range(from: string, to: string, select?: string[], pageSize?: number): AsyncIterable<ReadRow> {
      const rows: ReadRow[] = [];
      for await (const row of super.range(from, to, select, pageSize)) rows.push(row);
      if (from === "E:" && !readOnce) {
        readOnce = true;
        heldRows = rows.length;
        outboxRead();
        await held;
      }
      yield* rows;
    }
  }
  const b = new EventLog({
    tablePrefix: config.tableName,
    client,
    service: () => TableServiceClient.fromConnectionString(connection, { allowInsecureConnection: true }),
    main: async (partitionKey) => new SlowOutbox(client(config.tableName), partitionKey),
    retentionDays: config.eventRetentionDays,
  });
  const a = quiet.service.store.events;

  const x = (await scim.post("/Users", entraUser())).body.id as string;
  const bRun = b.sequence(pk);
  await bHasRead;
  expect(heldRows).toBe(1); // B holds an outbox read with x's entry in it
  await a.sequence(pk); // A appends x and clears it
  const y = (await scim.post("/Users", entraUser())).body.id as string;
  await a.sequence(pk); // A appends y: the state row's last batch is now y's
  release();
  await bRun;
  await a.sequence(pk);
  const r = await api.get("/events");
  await quiet.close();
  expect(r.body.data.map((e: any) => [e.sequence, e.data.id])).toEqual([
    [1, x],
    [2, y],
  ]);
});
