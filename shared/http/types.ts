// Host-neutral request and response: what both the Azure Functions adapter and the local host build.
export interface ScimRequest {
  method: string;
  url: URL;
  params: Record<string, string>;
  header(name: string): string | null;
  /** The raw body text (undefined when there is none). */
  body: string | undefined;
  /** Client address for throttling, when the host knows it. */
  sourceIp?: string;
}

export interface ScimResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body (rendered as application/scim+json unless a Content-Type header says otherwise). */
  body?: unknown;
  /** Pre-rendered text body (non-JSON answers). */
  text?: string;
  /** A JSON body sent chunk by chunk as it is produced (large member lists). */
  stream?: AsyncIterable<string>;
}
