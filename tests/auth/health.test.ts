import os from "node:os";
import path from "node:path";
import { createStaticToken } from "../../shared/auth/lifecycle";
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { fakeClock, newOAuthTenant } from "../support/oauth";

let t: TestHost;
beforeAll(async () => {
  // Its own credentials file, so the counts below are this file's alone.
  t = await startTestHost({ SCIM_LOCAL_CREDENTIALS_FILE: path.join(os.tmpdir(), `scim-health-${crypto.randomUUID()}.json`) });
});
afterAll(async () => {
  await t.close();
});

const health = async (token?: string) => {
  const res = await fetch(`${t.host.url}/health`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
};

test("reports credentials expiring within 30 days: the status for anyone, counts and the caller's own tenant's details only to a valid credential", async () => {
  const clock = fakeClock();
  try {
    const store = t.service.credentials;
    const a = await newOAuthTenant(t); // client secret valid 2 years
    const soon = await createStaticToken(store, { tenant: a.tenant, label: "soon", expiresInDays: 10 });
    await createStaticToken(store, { tenant: "t-other", label: "other soon", expiresInDays: 5 });
    clock.advance(61_000); // past the one-minute listing cache

    const anonymous = await health();
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get("cache-control")).toBe("no-store");
    expect(anonymous.body).toEqual({ status: "attention" });

    const detailed = await health(a.accessToken);
    expect(detailed.status).toBe(200);
    expect(detailed.body.status).toBe("attention");
    expect(detailed.body.credentials).toEqual({ active: 4, expiringWithinDays: 30, expiring: 2, expired: 0 });
    expect(detailed.body.tenant).toBe(a.tenant);
    expect(detailed.body.expiringCredentials).toEqual([{ id: soon.record.id, kind: "token", expiresAt: soon.record.expiresAt, daysLeft: 9 }]);
    expect(JSON.stringify(detailed.body)).not.toMatch(/t-other|hash|sft_|scs_/);
  } finally {
    clock.restore();
  }
});

test("a bad token on the detailed view is a 401, not a silent anonymous answer", async () => {
  const reply = await health("sft_0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  expect(reply.status).toBe(401);
});

test("a credential close to expiry logs a warning when it authenticates (no secret in the line)", async () => {
  const store = t.service.credentials;
  const tenant = "t-expiring";
  const { token, record } = await createStaticToken(store, { tenant, expiresInDays: 20 });
  const log = t.captureAuthLog();
  try {
    expect((await new ScimClient(t.scimUrl, token, tenant).get("/Users?startIndex=1&count=1")).status).toBe(200);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        event: "auth.credential-expiring",
        credentialId: record.id,
        kind: "token",
        tenant,
        daysLeft: 19,
      }),
    );
    expect(log.raw.join("\n")).not.toContain(token);
  } finally {
    log.stop();
  }
});
