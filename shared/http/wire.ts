// The one serializer: a handler's ScimResponse as status, headers and a text or streamed body, the same
// for both hosts (204 and 304 carry no body; JSON is rendered once, here).
import type { ScimResponse } from "../handlers/types";

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** The whole body, when it is not streamed (undefined: no body). */
  text?: string;
  /** A body produced chunk by chunk (large member lists). */
  stream?: AsyncIterable<string>;
}

export function toWire(response: ScimResponse, headers: Record<string, string>): WireResponse {
  if (response.stream) return { status: response.status, headers, stream: response.stream };
  const bodiless = response.status === 204 || response.status === 304;
  const text = bodiless ? undefined : (response.text ?? (response.body === undefined ? undefined : JSON.stringify(response.body)));
  return text === undefined ? { status: response.status, headers } : { status: response.status, headers, text };
}
