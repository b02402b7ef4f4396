// The status page in a real browser: Debian's Chromium (/usr/bin/chromium, `apt-get install chromium`)
// driven by playwright-core, no browser download. Entra-like traffic with failures, then the page opened
// from a ticket link as the customer's admin would: what a person sees, keyboard navigation to the replay
// button, the page with JavaScript off, refused tickets and tokens, the JSON twin. Saves docs/status-page.png.
import fs from "node:fs";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { startTestHost, TestHost, ScimClient, entraUser, patchOp, CORE_GROUP } from "../support/scim-client";
import { issueTicket } from "../../shared/auth/status-ticket";
import { type Receiver, startReceiver } from "../support/webhook-receiver";
import { createClient } from "../../shared/auth/lifecycle";

const CHROMIUM = "/usr/bin/chromium";

let t: TestHost;
let browser: Browser;
let scim: ScimClient;
let receiver: Receiver;
/** The receiver refuses the group's creation until the test heals it: that one event goes to the dead letters. */
let healed = false;
const isGroupCreated = (body: string) => (JSON.parse(body) as { type: string }).type === "group.created";

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's Chromium (sudo apt-get install chromium).`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  // A real webhook endpoint on loopback, with the retry schedule shortened to three quick attempts.
  t = await startTestHost({}, { webhooks: { schedule: [0, 20, 20] } });
  receiver = await startReceiver();
  receiver.answer = (r) => ({ status: !healed && isGroupCreated(r.body) ? 500 : 200 });
  scim = await t.newTenant({ policy: { required: { User: ["name.familyName"] } } });
  await t.service.webhooks.add({ tenant: scim.tenant, url: receiver.url, allowPrivateNetwork: true });
  await createClient(t.service.credentials, { tenant: scim.tenant, secretExpiresInDays: 400 });
  // Entra-like: Test Connection, creates, an update, a disable, a group with members, and failures.
  await scim.get(`/Users?filter=${encodeURIComponent('userName eq "00000000-aaaa-4bbb-8ccc-000000000000"')}`);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await scim.post("/Users", entraUser())).body.id as string);
  await scim.patch(`/Users/${ids[0] ?? ""}`, patchOp({ op: "Replace", path: "active", value: "False" }));
  await scim.post("/Groups", { schemas: [CORE_GROUP], displayName: "Sales", members: ids.slice(0, 3).map((value) => ({ value })) });
  for (let i = 0; i < 3; i++) expect((await scim.post("/Users", entraUser({ name: { givenName: "No" } }))).status).toBe(400);
  expect((await scim.post("/Users", entraUser({ adreses: "x" }))).status).toBe(201);
  for (let i = 0; i < 100; i++) {
    await t.service.dispatcher.schedule(scim.tenant);
    const { destinations } = await t.service.dispatcher.status(scim.tenant);
    if (destinations.some((d) => d.deadLetters === 1 && d.backlog === 0)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
}, 120_000);

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await (t as TestHost | undefined)?.close();
  await (receiver as Receiver | undefined)?.close();
});

async function ticketUrl(minutes = 60): Promise<string> {
  const { ticket } = await issueTicket(t.service.stampKeys, scim.tenant, minutes);
  return `${t.host.url}/operator?ticket=${ticket}`;
}

test("the customer's admin opens the link and sees the tenant's status", async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const response = await page.goto(await ticketUrl());
  expect(response?.status()).toBe(200);
  expect(await page.locator("h1").innerText()).toBe(`Provisioning status — tenant ${scim.tenant}`);
  const headings = await page.locator("h2").allInnerTexts();
  expect(headings).toEqual(["Connection", "Requests from Entra", "Quarantine risk", "Objects", "Schema policy", "Event delivery"]);
  expect(await page.getByTestId("tenant-url").innerText()).toBe(t.scimUrl);
  expect(await page.locator("dd", { hasText: "static token" }).count()).toBeGreaterThan(0);
  expect(await page.locator("text=OAuth client secret").first().isVisible()).toBe(true);
  expect(await page.getByTestId("users-active").innerText()).toBe("5");
  expect(await page.getByTestId("users-disabled").innerText()).toBe("1");
  expect(await page.getByTestId("groups").innerText()).toBe("1");
  expect(await page.getByTestId("memberships").innerText()).toBe("3");
  expect(await page.getByTestId("gauge-text").innerText()).toMatch(/^Low risk: 3 failed of 1\d requests/);
  expect(await page.locator("table", { hasText: "Top failure reasons" }).innerText()).toContain("required attribute name.familyName missing\t3");
  expect(await page.locator("table", { hasText: "Ignored attributes" }).innerText()).toContain("adreses\t1");
  expect(await page.getByTestId("last-write").innerText()).toMatch(/UTC \((just now|\d+ min ago)\)/);
  const delivery = await page.locator("section", { has: page.locator("h2#delivery") }).innerText();
  expect(delivery).toContain(new URL(receiver.url).host);
  expect(delivery).toContain("500");
  expect(await page.locator("svg[role=img] title").textContent()).toBe("Requests and failures per hour, last 24 h");
  expect(await page.locator("text=scim-functions 0.1.0").count()).toBe(1);
  // The link set an HttpOnly, SameSite=Strict cookie for /operator (reloads and the form need no ticket).
  const cookie = (await context.cookies()).find((c) => c.name === "scim_status");
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/operator" });
  fs.mkdirSync(path.join(__dirname, "../../docs"), { recursive: true });
  await page.screenshot({ path: path.join(__dirname, "../../docs/status-page.png"), fullPage: true });
  await context.close();
});

test("the keyboard reaches the replay button, and the replay sends the dead letter again with its webhook-id", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(await ticketUrl());
  let reached = false;
  for (let i = 0; i < 60 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = (await page.evaluate<string>("document.activeElement?.textContent ?? ''")).startsWith("Replay dead letters");
  }
  expect(reached).toBe(true);
  const outline = await page.evaluate<string>("getComputedStyle(document.activeElement).outlineStyle");
  expect(outline).toBe("solid");
  healed = true;
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/operator\?replayed=1$/);
  expect(await page.locator("[role=status]").innerText()).toBe("Replay requested: 1 dead letter queued for delivery again.");
  const attempts = () => receiver.received.filter((r) => isGroupCreated(r.body));
  for (let i = 0; i < 100 && attempts().length < 4; i++) await new Promise((r) => setTimeout(r, 50));
  expect(attempts()).toHaveLength(4); // three refused, then the replay, all with the same webhook-id
  expect(new Set(attempts().map((r) => r.headers["webhook-id"])).size).toBe(1);
  await context.close();
});

test("with JavaScript off the page and the replay form work the same", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(await ticketUrl());
  expect(await page.getByTestId("users-active").innerText()).toBe("5");
  await page.getByRole("button", { name: /Replay dead letters/ }).click();
  await page.waitForURL(/replayed=\d+$/); // the form posts and comes back without a script
  expect(await page.locator("[role=status]").innerText()).toMatch(/^Replay requested: \d+ dead letters? queued for delivery again\.$/);
  await context.close();
});

test("an expired or forged ticket, or none, is refused with a page that says so", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const expired = (await issueTicket(t.service.stampKeys, scim.tenant, 1, Date.now() - 2 * 60_000)).ticket;
  let r = await page.goto(`${t.host.url}/operator?ticket=${expired}`);
  expect(r?.status()).toBe(403);
  expect(await page.locator("h1").innerText()).toBe("Access refused");
  const valid = (await issueTicket(t.service.stampKeys, scim.tenant, 60)).ticket;
  const forged = valid.replace(scim.tenant, "other-tenant");
  r = await page.goto(`${t.host.url}/operator?ticket=${forged}`);
  expect(r?.status()).toBe(403);
  r = await page.goto(`${t.host.url}/operator`);
  expect(r?.status()).toBe(401);
  expect(await page.locator("h1").innerText()).toBe("Sign-in needed");
  await context.close();
});

test("the vendor's admin token in the header opens the page; Entra's SCIM token does not", async () => {
  const admin = await t.apiClient(scim.tenant, "admin");
  const context = await browser.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${admin.token}` } });
  const page = await context.newPage();
  expect((await page.goto(`${t.host.url}/operator`))?.status()).toBe(200);
  expect(await page.getByTestId("tenant-url").innerText()).toBe(t.scimUrl);
  await context.close();
  const entra = await browser.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${scim.token}` } });
  const refused = await entra.newPage();
  expect((await refused.goto(`${t.host.url}/operator`))?.status()).toBe(403);
  await entra.close();
});

test("the JSON twin has the same facts", async () => {
  const admin = await t.apiClient(scim.tenant, "admin");
  const r = await admin.get("/operator/status.json");
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({
    tenant: scim.tenant,
    version: "0.1.0",
    connection: { tenantUrl: t.scimUrl },
    objects: { usersActive: 5, usersDisabled: 1, groups: 1, memberships: 3 },
    quarantine: { level: "low", failures: 3 },
    policy: { rejected: [{ attribute: "name.familyName", count: 3 }], ignored: [{ attribute: "adreses", count: 1 }] },
    delivery: {
      unsequenced: 0,
      destinations: [expect.objectContaining({ deliverer: "webhooks", label: expect.stringContaining(new URL(receiver.url).host) })],
    },
  });
  expect(r.body.traffic.hours).toHaveLength(24);
  // A ticket is for the status page only: the activity API refuses it.
  const { ticket } = await issueTicket(t.service.stampKeys, scim.tenant, 60);
  expect((await fetch(`${t.host.url}/operator/activity?ticket=${ticket}`)).status).toBe(401);
});
