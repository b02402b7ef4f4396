// What the credential store holds, one record per credential: static tokens, OAuth clients, client
// secrets and the per-tenant Entra-token option. Secrets appear only as SHA-256 hashes. Pure: no I/O.

interface RecordBase {
  id: string;
  tenant: string;
  label: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

/**
 * What a static token may call: Entra's SCIM endpoint (the default), the vendor's Events API, or the
 * operator's admin API and status page. A token of one scope is refused (403) everywhere else.
 */
export type TokenScope = "scim" | "events" | "admin";
export const TOKEN_SCOPES: readonly TokenScope[] = ["scim", "events", "admin"];

/** A long-lived `sft_…` bearer token (pilot / non-gallery mode), or a vendor's events / admin token. */
export interface TokenRecord extends RecordBase {
  kind: "token";
  hash: string;
  /** Absent on tokens made before scopes existed: "scim". */
  scope?: TokenScope;
}

/** Trust in an Entra-issued client assertion (workload identity federation, RFC 7523). */
export interface Federation {
  /** Names the trust in access tokens minted through it, so removing it revokes them. */
  id: string;
  entraTenantId: string;
  issuer: string;
  subject: string;
  audience: string;
  /** Overrides the JWKS URL derived from the Entra tenant id. */
  jwksUri?: string;
}

/** An OAuth 2.0 client (client_credentials). Authenticates with its secrets or a federation. */
export interface ClientRecord extends RecordBase {
  kind: "client";
  federation?: Federation;
}

/** One secret of a client (`scs_…`); a client may have several active at once for rotation. */
export interface ClientSecretRecord extends RecordBase {
  kind: "client-secret";
  clientId: string;
  hash: string;
  expiresAt: string;
}

/** The tenant accepts the token Entra sends when the Secret Token field is left empty. Id: `entra-<tid>`. */
export interface EntraTokenRecord extends RecordBase {
  kind: "entra-token";
  entraTenantId: string;
  issuer: string;
  audience: string;
  jwksUri?: string;
}

export type CredentialRecord = TokenRecord | ClientRecord | ClientSecretRecord | EntraTokenRecord;
export type CredentialKind = CredentialRecord["kind"];

/** What listing shows without reading each record (Key Vault: from secret properties and tags). */
export interface CredentialSummary {
  id: string;
  kind: CredentialKind;
  tenant: string;
  clientId?: string;
  expiresAt?: string;
  revoked: boolean;
}

export const isActive = (r: { revokedAt?: string; expiresAt?: string }, now = Date.now()) => !r.revokedAt && (!r.expiresAt || Date.parse(r.expiresAt) > now);

export function summarize(r: CredentialRecord): CredentialSummary {
  return {
    id: r.id,
    kind: r.kind,
    tenant: r.tenant,
    revoked: Boolean(r.revokedAt),
    ...(r.kind === "client-secret" ? { clientId: r.clientId } : {}),
    ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}),
  };
}

/** An expired credential quarantines the Entra job, so anything expiring within this window is reported. */
export const EXPIRY_WARNING_DAYS = 30;

export function expiresWithin(r: { expiresAt?: string }, days: number, now = Date.now()): boolean {
  return r.expiresAt !== undefined && Date.parse(r.expiresAt) - now <= days * 86_400_000;
}

export const entraTokenRecordId = (entraTenantId: string) => `entra-${entraTenantId.toLowerCase()}`;

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const CREDENTIAL_ID = /^[0-9a-f]{16}$/;
export const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;
