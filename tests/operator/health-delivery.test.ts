// /health and event delivery: an admin token also gets its tenant's delivery backlog and dead letters;
// anonymous callers still get the status alone, and Entra's credential no delivery facts.
import { startTestHost, TestHost, entraUser } from "../support/scim-client";
import type { DeliveryStatus } from "../../shared/events/dispatcher";

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost({ SCIM_EVENT_DISPATCH: "off" });
  const destination: DeliveryStatus = { deliverer: "webhooks", id: "wh_1", label: "https://app.example.com", state: "active", backlog: 4, deadLetters: 2 };
  t.service.dispatcher.use({ name: "webhooks", deliver: () => Promise.resolve(), status: () => Promise.resolve([destination]) });
});
afterAll(() => t.close());

const health = async (token?: string) =>
  (await fetch(`${t.host.url}/health`, token ? { headers: { Authorization: `Bearer ${token}` } } : {})).json() as Promise<Record<string, any>>;

test("an admin token gets its tenant's delivery summary; anonymous and SCIM callers do not", async () => {
  const scim = await t.newTenant();
  expect((await scim.post("/Users", entraUser())).status).toBe(201); // not sequenced: dispatch is off
  const admin = await t.apiClient(scim.tenant, "admin");

  const operator = await health(admin.token);
  expect(operator.tenant).toBe(scim.tenant);
  expect(operator.delivery).toMatchObject({ unsequenced: 1, backlog: 4, deadLetters: 2, destinations: [{ id: "wh_1", backlog: 4, deadLetters: 2 }] });
  expect(typeof operator.delivery.oldestUnsequenced).toBe("string");

  expect(Object.keys(await health())).toEqual(["status"]);
  expect((await health(scim.token)).delivery).toBeUndefined();
});
