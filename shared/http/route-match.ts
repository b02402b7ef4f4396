// Matches a path against route templates the way the Functions host does: `{name}` matches one
// segment, `{*name}` the rest; literal segments (case-insensitive) beat parameters, which beat catch-alls.
export interface Template {
  route: string;
  methods: readonly string[];
}

interface Compiled<T extends Template> {
  item: T;
  segments: string[];
  rank: number[];
}

function compile<T extends Template>(item: T): Compiled<T> {
  const segments = item.route.split("/");
  const rank = segments.map((s) => (s.startsWith("{*") ? 2 : s.startsWith("{") ? 1 : 0));
  return { item, segments, rank };
}

function matchSegments(segments: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, seg] of segments.entries()) {
    if (seg.startsWith("{*")) {
      params[seg.slice(2, -1)] = parts.slice(i).join("/");
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.startsWith("{")) {
      if (part === "") return undefined;
      params[seg.slice(1, -1)] = part;
    } else if (seg.toLowerCase() !== part.toLowerCase()) {
      return undefined;
    }
  }
  return segments.length === parts.length ? params : undefined;
}

export class RouteMatcher<T extends Template> {
  private readonly compiled: Compiled<T>[];
  constructor(items: readonly T[]) {
    this.compiled = items.map(compile).sort((a, b) => {
      for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
        const d = (a.rank[i] ?? -1) - (b.rank[i] ?? -1);
        if (d !== 0) return d;
      }
      return 0;
    });
  }

  /** The best route for the path and method, or the methods the path allows (405), or undefined (404). */
  match(method: string, pathname: string): { item: T; params: Record<string, string> } | { allowed: string[] } | undefined {
    const parts = pathname
      .replace(/^\/+/, "")
      .replace(/\/+$/, "")
      .split("/")
      .map((p) => {
        try {
          return decodeURIComponent(p);
        } catch {
          return p;
        }
      });
    const allowed = new Set<string>();
    for (const c of this.compiled) {
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      if (c.item.methods.includes(method.toUpperCase())) return { item: c.item, params };
      c.item.methods.forEach((m) => allowed.add(m));
    }
    return allowed.size > 0 ? { allowed: [...allowed] } : undefined;
  }
}
