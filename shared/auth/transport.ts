// What authentication needs of a request and gives back as an answer: structural types, so the HTTP
// layer's request and response satisfy them without auth depending on it.
export interface AuthRequest {
  url: URL;
  header(name: string): string | null;
  body: string | undefined;
  /** Client address for throttling, when the host knows it. */
  sourceIp?: string;
}

export interface AuthReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
