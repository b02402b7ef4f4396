// Credential lifecycle used by the CLI, npm start and tests: create, rotate and revoke static tokens,
// OAuth clients and their secrets; configure federation and the Entra-token option. A secret exists in
// clear only in the return value of the call that created it; the store receives its hash.
import { randomBytes } from "node:crypto";
import { CredentialStore } from "./credentials";
import { entraV1Issuer, ENTRA_PROVISIONING_APP_ID } from "./entra-token";
import { isAcceptableJwksUri } from "./jwks";
import { ClientRecord, ClientSecretRecord, entraTokenRecordId, EntraTokenRecord, GUID, isActive, TENANT, TokenRecord, type TokenScope } from "./records";
import { formatClientSecret, formatToken, hashSecret, newCredentialId, newSecret } from "./secrets";

/** Client secrets live 1–3 years (Entra gallery requirement); 2 years unless told otherwise. */
export const SECRET_DAYS = { default: 730, min: 365, max: 1095 } as const;
/** Enough for rotation without downtime (old + new) with room to spare, few enough to stay reviewable. */
export const MAX_ACTIVE_SECRETS = 5;

const DAY_MS = 86_400_000;
const inDays = (days: number, from = Date.now()) => new Date(from + days * DAY_MS).toISOString();

export function checkTenant(tenant: string): string {
  if (!TENANT.test(tenant)) throw new Error(`Tenant '${tenant}' must be lowercase letters, digits and hyphens.`);
  return tenant;
}

function checkGuid(value: string, what: string): string {
  if (!GUID.test(value)) throw new Error(`${what} must be a GUID, got '${value}'.`);
  return value.toLowerCase();
}

export async function createStaticToken(store: CredentialStore, o: { tenant: string; label?: string; expiresInDays?: number; scope?: TokenScope }) {
  if (o.expiresInDays !== undefined && (!Number.isInteger(o.expiresInDays) || o.expiresInDays <= 0))
    throw new Error("Expiry must be a positive number of days.");
  const id = newCredentialId();
  const token = formatToken(id, newSecret());
  const record: TokenRecord = {
    id,
    kind: "token",
    tenant: checkTenant(o.tenant),
    label: o.label ?? (o.scope && o.scope !== "scim" ? o.scope : "entra"),
    hash: hashSecret(token),
    ...(o.scope && o.scope !== "scim" ? { scope: o.scope } : {}),
    createdAt: new Date().toISOString(),
    ...(o.expiresInDays ? { expiresAt: inDays(o.expiresInDays) } : {}),
  };
  await store.put(record);
  return { token, record };
}

/** A new token for the same tenant and label; the old one keeps working until it is revoked. */
export async function rotateStaticToken(store: CredentialStore, id: string, expiresInDays?: number) {
  const old = await store.get(id);
  if (old?.kind !== "token" || !isActive(old)) throw new Error(`No active static token ${id}.`);
  return createStaticToken(store, { tenant: old.tenant, label: old.label, expiresInDays, ...(old.scope ? { scope: old.scope } : {}) });
}

export async function createClient(store: CredentialStore, o: { tenant: string; label?: string; secretExpiresInDays?: number }) {
  const client: ClientRecord = {
    id: newCredentialId(),
    kind: "client",
    tenant: checkTenant(o.tenant),
    label: o.label ?? "entra",
    createdAt: new Date().toISOString(),
  };
  await store.put(client);
  const { secret, record } = await addClientSecret(store, client.id, o.secretExpiresInDays);
  return { client, secret, secretRecord: record };
}

/** Rotation step 1: a further secret for the client (then switch Entra, then revoke the old one). */
export async function addClientSecret(store: CredentialStore, clientId: string, expiresInDays: number = SECRET_DAYS.default) {
  if (!Number.isInteger(expiresInDays) || expiresInDays < SECRET_DAYS.min || expiresInDays > SECRET_DAYS.max) {
    throw new Error(`Client secrets expire in ${SECRET_DAYS.min}–${SECRET_DAYS.max} days, got ${expiresInDays}.`);
  }
  const client = await store.get(clientId);
  if (client?.kind !== "client" || !isActive(client)) throw new Error(`No active OAuth client ${clientId}.`);
  const active = (await store.listSummaries()).filter((s) => s.kind === "client-secret" && s.clientId === clientId && !s.revoked && isActive(s));
  if (active.length >= MAX_ACTIVE_SECRETS) throw new Error(`Client ${clientId} already has ${active.length} active secrets; revoke one first.`);
  const id = newCredentialId();
  const secret = formatClientSecret(id, newSecret());
  const record: ClientSecretRecord = {
    id,
    kind: "client-secret",
    tenant: client.tenant,
    clientId,
    label: client.label,
    hash: hashSecret(secret),
    createdAt: new Date().toISOString(),
    expiresAt: inDays(expiresInDays),
  };
  await store.put(record);
  return { secret, record };
}

export interface FederationInput {
  tenant: string;
  entraTenantId: string;
  subject: string;
  audience: string;
  issuer?: string;
  jwksUri?: string;
  clientId?: string;
}

/** Trusts an Entra workload identity for a client (a new one unless `clientId` names one of the tenant's). */
export async function setFederation(store: CredentialStore, o: FederationInput): Promise<ClientRecord> {
  const tid = checkGuid(o.entraTenantId, "The Entra tenant id");
  const issuer = o.issuer ?? `https://login.microsoftonline.com/${tid}/v2.0`;
  if (!/^https:\/\/[^\s]+$/.test(issuer)) throw new Error("The issuer must be an https URL.");
  if (o.jwksUri !== undefined && !isAcceptableJwksUri(o.jwksUri)) throw new Error("The JWKS URI must be https (or http on loopback).");
  if (!o.subject.trim() || !o.audience.trim()) throw new Error("Subject and audience are required.");
  let client: ClientRecord;
  if (o.clientId) {
    const found = await store.get(o.clientId);
    if (found?.kind !== "client" || !isActive(found) || found.tenant !== checkTenant(o.tenant))
      throw new Error(`No active OAuth client ${o.clientId} in tenant ${o.tenant}.`);
    client = found;
  } else {
    client = {
      id: newCredentialId(),
      kind: "client",
      tenant: checkTenant(o.tenant),
      label: "workload identity federation",
      createdAt: new Date().toISOString(),
    };
  }
  client = {
    ...client,
    federation: {
      id: randomBytes(8).toString("hex"),
      entraTenantId: tid,
      issuer,
      subject: o.subject.trim(),
      audience: o.audience.trim(),
      ...(o.jwksUri ? { jwksUri: o.jwksUri } : {}),
    },
  };
  await store.put(client);
  return client;
}

/** Removes the trust; access tokens minted through it stop working within the cache TTL. */
export async function removeFederation(store: CredentialStore, clientId: string): Promise<boolean> {
  const client = await store.get(clientId);
  if (client?.kind !== "client" || !client.federation) return false;
  const { federation: _removed, ...rest } = client;
  await store.put(rest);
  return true;
}

export async function enableEntraToken(
  store: CredentialStore,
  o: { tenant: string; entraTenantId: string; audience?: string; jwksUri?: string },
): Promise<EntraTokenRecord> {
  const tid = checkGuid(o.entraTenantId, "The Entra tenant id");
  if (o.jwksUri !== undefined && !isAcceptableJwksUri(o.jwksUri)) throw new Error("The JWKS URI must be https (or http on loopback).");
  const existing = await store.get(entraTokenRecordId(tid));
  if (existing && !existing.revokedAt && existing.tenant !== checkTenant(o.tenant)) {
    throw new Error(`Entra tenant ${tid} already provisions into tenant ${existing.tenant}; disable it there first.`);
  }
  const record: EntraTokenRecord = {
    id: entraTokenRecordId(tid),
    kind: "entra-token",
    tenant: checkTenant(o.tenant),
    label: "Entra-issued token",
    createdAt: new Date().toISOString(),
    entraTenantId: tid,
    issuer: entraV1Issuer(tid),
    audience: o.audience ?? ENTRA_PROVISIONING_APP_ID,
    ...(o.jwksUri ? { jwksUri: o.jwksUri } : {}),
  };
  await store.put(record);
  return record;
}

export async function disableEntraToken(store: CredentialStore, entraTenantId: string): Promise<boolean> {
  return store.revoke(entraTokenRecordId(checkGuid(entraTenantId, "The Entra tenant id")));
}
