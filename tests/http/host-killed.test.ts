// The host dies (kill -9) in the middle of a write that takes several transactions; it is started
// again on the same storage and the client sends the same request again: the result is exactly what
// was asked, and no index, membership or tombstone row is left half-written.
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { startFaultyProxy, FaultyProxy, nthBatch } from "../support/faulty-proxy";
import { tableInspector } from "../support/table-inspect";
import { ChildHost, bundleLocalHost, removeLocalHostBundle, startChildHost } from "../support/child-host";
import { Reply, ScimClient } from "../support/scim-client";
import { addMembers, entraGroup, groupIdsOf, memberIds, seedUsers } from "../support/groups";

// Wiring: the child host reaches Azurite through the proxy; the inspector reads Azurite directly.
const azurite = process.env.SCIM_STORAGE_CONNECTION_STRING!;
const table = tableInspector(azurite);
let proxy: FaultyProxy;
beforeAll(async () => {
  proxy = await startFaultyProxy(azurite);
  await bundleLocalHost();
});
afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- beforeAll may fail before proxy is assigned
  await proxy?.close();
  await removeLocalHostBundle();
});

/** One host process at a time, on one working directory and tenant; restarting keeps its token. */
class Deployment {
  host!: ChildHost;
  scim!: ScimClient;
  private constructor(
    private readonly dir: string,
    readonly tenant: string,
  ) {}

  static async start(): Promise<Deployment> {
    const d = new Deployment(await fs.mkdtemp(path.join(os.tmpdir(), "scim-host-killed-")), `t-${randomUUID().slice(0, 8)}`);
    await d.restart();
    return d;
  }

  async restart(): Promise<void> {
    // No background dispatch: its storage calls would take the faults meant for the requests under test.
    this.host = await startChildHost({
      storageConnectionString: proxy.connectionString,
      dir: this.dir,
      tenant: this.tenant,
      env: { SCIM_EVENT_DISPATCH: "off" },
    });
    this.scim = new ScimClient(this.host.scimUrl, this.host.token, this.tenant);
  }

  /** Sends the request; the proxy kills the host at `moment`, then the host is started again. */
  async killed(moment: Moment, request: (scim: ScimClient) => Promise<Reply>): Promise<void> {
    proxy.fail(moment.fault, nthBatch(moment.batch), () => this.host.kill());
    const token = this.host.token;
    await expect(request(this.scim)).rejects.toThrow(); // the client sees the connection drop
    await this.host.exited;
    expect(proxy.struck()).toEqual([1]); // it was the kill that cut the request off
    proxy.heal();
    await this.restart();
    expect(this.host.token).toBe(token);
  }

  async close(): Promise<void> {
    await this.host.stop();
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/** Where the kill lands: after a transaction committed (its answer never reaches the host), or before it is forwarded. */
interface Moment {
  name: string;
  fault: "lose-answer" | "connection-reset";
  batch: number;
}
const MOMENTS: Moment[] = [
  { name: "right after its first transaction commits", fault: "lose-answer", batch: 1 },
  { name: "as its second transaction reaches storage", fault: "connection-reset", batch: 2 },
];

let deployment: Deployment | undefined;
afterEach(async () => {
  proxy.heal();
  await deployment?.close();
  deployment = undefined;
});

const withMembers = (ids: string[]) => ids.map((value) => ({ value }));
const outcome = async (r: Reply, tenant: string) => ({ answer: [r.status, r.body], orphans: await table.orphans(tenant) });

test.each(MOMENTS)("a member PATCH of 150 users killed $name is completed exactly by the same PATCH after a restart", async (moment) => {
  deployment = await Deployment.start();
  const users = await seedUsers(deployment.scim, 150);
  const id = (await deployment.scim.post("/Groups", entraGroup())).body.id as string;
  await deployment.killed(moment, (scim) => scim.patch(`/Groups/${id}`, addMembers(...users)));
  const { scim, tenant } = deployment;
  const partial = await memberIds(scim, id);
  expect(partial.length).toBeGreaterThan(0); // the kill came mid-way
  expect(partial.length).toBeLessThan(150);
  const retry = await scim.patch(`/Groups/${id}`, addMembers(...users));
  expect(await outcome(retry, tenant)).toMatchObject({ answer: [204, undefined], orphans: [] });
  expect(await memberIds(scim, id)).toEqual([...users].sort());
  for (const m of [users[0]!, users[75]!, users[149]!]) expect(await groupIdsOf(scim, m)).toEqual([id]);
});

test.each(MOMENTS)("a DELETE /Groups of a group with 150 members killed $name answers 204 to the same DELETE after a restart", async (moment) => {
  deployment = await Deployment.start();
  const users = await seedUsers(deployment.scim, 150);
  const id = (await deployment.scim.post("/Groups", entraGroup({ members: withMembers(users) }))).body.id as string;
  await deployment.killed(moment, (scim) => scim.delete(`/Groups/${id}`));
  const { scim, tenant } = deployment;
  expect((await table.rowKeys(tenant)).filter((k) => k === `G:${id}` || k === `Z:${id}`)).toEqual([`Z:${id}`]); // the kill came mid-way
  expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
  expect(await groupIdsOf(scim, users[0]!)).toEqual([]); // readers leave the dead group out meanwhile
  const retry = await scim.delete(`/Groups/${id}`);
  expect(await outcome(retry, tenant)).toMatchObject({ answer: [204, undefined], orphans: [] });
  expect(await table.membershipRowsNaming(tenant, id)).toEqual([]);
  expect((await scim.delete(`/Groups/${id}`)).status).toBe(404);
});

test.each(MOMENTS)(
  "a DELETE /Users of a user in 60 groups killed $name answers 204 to the same DELETE after a restart, and no group lists the user",
  async (moment) => {
    deployment = await Deployment.start();
    const [userId] = await seedUsers(deployment.scim, 1);
    const groups: string[] = [];
    for (let i = 0; i < 60; i += 10) {
      groups.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, async () => (await deployment!.scim.post("/Groups", entraGroup({ members: withMembers([userId]) }))).body.id as string),
        )),
      );
    }
    await deployment.killed(moment, (scim) => scim.delete(`/Users/${userId}`));
    const { scim, tenant } = deployment;
    const left = await groupIdsOf(scim, userId); // the user is still there, in fewer groups: the kill came mid-way
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(60);
    const retry = await scim.delete(`/Users/${userId}`);
    expect(await outcome(retry, tenant)).toMatchObject({ answer: [204, undefined], orphans: [] });
    expect((await scim.get(`/Users/${userId}`)).status).toBe(404);
    expect(await table.membershipRowsNaming(tenant, userId)).toEqual([]);
    expect(await memberIds(scim, groups[0]!)).toEqual([]);
  },
);
