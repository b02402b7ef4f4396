// What shared/scim/filter.ts relies on from scim2-parse-filter, including its internal lib/src/parser
// (tokenizer, Tokens, parseFilter, Token), asserted directly against the library. An upgrade that breaks
// any of it fails here with the promise named, before a SCIM filter test fails for a reason that is hard
// to see. If a promise no longer holds, adapt filter.ts first, then this file, then the pinned version.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Compare, Filter } from "scim2-parse-filter";
import { parseFilter, Token, Tokens, tokenizer } from "scim2-parse-filter/lib/src/parser";

const ROOT = path.join(__dirname, "../..");
const readJson = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), "utf8"));
const installed: string = readJson("node_modules/scim2-parse-filter/package.json").version;

/** Runs the checks of one promise; a failure starts with the promise and the installed version. */
function relies(promise: string, check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof Error)
      e.message = `scim2-parse-filter ${installed} no longer keeps a promise shared/scim/filter.ts relies on:\n  ${promise}\n\n${e.message}`;
    throw e;
  }
}

/** Tokens as `Type literal` strings, so a difference reads at a glance. */
const tokens = (text: string) => tokenizer(text).map((t) => `${t.type} ${t.literal}`);

/** The library's call chain as filter.ts runs it: tokenizer → Tokens → parseFilter, and what is left. */
function parse(text: string, edit?: (list: Token[]) => void): { ast: Filter; rest: Token } {
  const list = tokenizer(text);
  edit?.(list);
  const cursor = new Tokens(list);
  return { ast: parseFilter(cursor), rest: cursor.peek() };
}

/** An S-expression of the AST with and/or chains flattened: precedence without caring about n-ary vs nested. */
function shape(f: Filter): string {
  switch (f.op) {
    case "and":
    case "or": {
      const flat = (g: Filter): Filter[] => (g.op === f.op ? (g as { filters: Filter[] }).filters.flatMap(flat) : [g]);
      return `(${f.op} ${flat(f).map(shape).join(" ")})`;
    }
    case "not":
      return `(not ${shape(f.filter)})`;
    case "[]":
      return `(${f.attrPath}[] ${shape(f.valFilter)})`;
    case "pr":
      return `(pr ${f.attrPath})`;
    default:
      return `(${f.op} ${f.attrPath} ${JSON.stringify(f.compValue)})`;
  }
}

// Compile-time part, checked by `npx tsc --noEmit -p tsconfig.json` (jest here transpiles without type
// checks): a changed public or internal type makes the line of that property "Type 'true' is not
// assignable to type 'false'".
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the exact type-equality test: each T must stay its own generic
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const typeContract: {
  filterOps: Same<Filter["op"], "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "lt" | "ge" | "le" | "pr" | "and" | "or" | "not" | "[]">;
  compareOps: Same<Compare["op"], "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "lt" | "ge" | "le">;
  compValue: Same<Compare["compValue"], boolean | null | number | string>;
  attrPath: Same<Compare["attrPath"], string>;
  valuePath: Same<Pick<Extract<Filter, { op: "[]" }>, "attrPath" | "valFilter">, { attrPath: string; valFilter: Filter }>;
  notFilter: Same<Extract<Filter, { op: "not" }>["filter"], Filter>;
  logFilters: Same<Extract<Filter, { op: "and" | "or" }>["filters"], Filter[]>;
  suffix: Same<Extract<Filter, { op: "pr" }>["attrPath"], string>;
  tokenType: Same<Token["type"], "Number" | "Quoted" | "Bracket" | "Word" | "EOT">;
  tokenLiteral: Same<Token["literal"], string>;
} = {
  filterOps: true,
  compareOps: true,
  compValue: true,
  attrPath: true,
  valuePath: true,
  notFilter: true,
  logFilters: true,
  suffix: true,
  tokenType: true,
  tokenLiteral: true,
};

describe("scim2-parse-filter: the version", () => {
  test("package.json pins it exactly, and the installed copy (and the lock file) is that version", () => {
    const pinned: string = readJson("package.json").dependencies["scim2-parse-filter"];
    relies("filter.ts imports the internal lib/src/parser, so the version is pinned exactly (no ^ or ~)", () => {
      expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    });
    relies("node_modules holds the pinned version (run npm ci)", () => expect(installed).toBe(pinned));
    relies("package-lock.json locks the pinned version", () => {
      expect(readJson("package-lock.json").packages["node_modules/scim2-parse-filter"].version).toBe(pinned);
    });
  });

  test("the internal parser module exists and exports tokenizer, Tokens and parseFilter", () => {
    relies("scim2-parse-filter/lib/src/parser exports the functions filter.ts imports", () => {
      expect(typeof tokenizer).toBe("function");
      expect(typeof Tokens).toBe("function");
      expect(typeof parseFilter).toBe("function");
    });
    expect(Object.values(typeContract).every(Boolean)).toBe(true); // the types themselves: tsc, above
  });
});

describe("scim2-parse-filter: tokenizer", () => {
  test.each<[string, string, string[]]>([
    ["whitespace is skipped and the list ends with one EOT token with an empty literal", "  title   pr  ", ["Word title", "Word pr", "EOT "]],
    [
      "attribute, operator and quoted value are Word, Word, Quoted; the literal keeps the quotes",
      'userName eq "Joy.Young@Contoso.com"',
      ["Word userName", "Word eq", 'Quoted "Joy.Young@Contoso.com"', "EOT "],
    ],
    [
      "operators and keywords keep their case (filter.ts lower-cases them itself)",
      'userName EQ "a" AND title Pr',
      ["Word userName", "Word EQ", 'Quoted "a"', "Word AND", "Word title", "Word Pr", "EOT "],
    ],
    ["a dotted path is one Word", 'name.familyName sw "Y"', ["Word name.familyName", "Word sw", 'Quoted "Y"', "EOT "]],
    [
      "a URN-qualified path (colons, '2.0') is one Word",
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"',
      ["Word urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "Word eq", 'Quoted "m"', "EOT "],
    ],
    [
      "an unquoted value is a Word with its exact text (legacy `externalId eq jyoung`, Q10)",
      "externalId eq jyoung",
      ["Word externalId", "Word eq", "Word jyoung", "EOT "],
    ],
    [
      "true, false and null are Words in any case",
      "active eq True or x eq false or manager eq NULL",
      ["Word active", "Word eq", "Word True", "Word or", "Word x", "Word eq", "Word false", "Word or", "Word manager", "Word eq", "Word NULL", "EOT "],
    ],
    [
      "an unquoted number at the end is a Number with its exact text (leading zeros kept)",
      "externalId eq 00123",
      ["Word externalId", "Word eq", "Number 00123", "EOT "],
    ],
    [
      "an unquoted number followed by more filter is a Word with its exact text",
      "externalId eq 00123 and x eq -1.5e3",
      ["Word externalId", "Word eq", "Word 00123", "Word and", "Word x", "Word eq", "Number -1.5e3", "EOT "],
    ],
    [
      "brackets are Bracket tokens; `].` (value path then sub-attribute) is one token",
      'emails[type eq "work"].value eq "x"',
      ["Word emails", "Bracket [", "Word type", "Word eq", 'Quoted "work"', "Bracket ].", "Word value", "Word eq", 'Quoted "x"', "EOT "],
    ],
    [
      "a closing bracket alone is `]`; parentheses are Brackets",
      '(members[value eq "id"])',
      ["Bracket (", "Word members", "Bracket [", "Word value", "Word eq", 'Quoted "id"', "Bracket ]", "Bracket )", "EOT "],
    ],
  ])("%s", (promise, text, expected) => relies(promise, () => expect(tokens(text)).toEqual(expected)));

  test("every quoted string is exactly one Quoted token, in text order, matching filter.ts's own regex", () => {
    // filter.ts replaces the n-th Quoted literal with the JSON decoding of the n-th `"…"` it finds in the
    // text, so the two must line up: escaped quotes stay inside, backslashes and newlines do not split.
    const text = 'displayName eq "a \\"b\\" c" and userName eq "DOMAIN\\jdoe" and title eq "x\\\\" and nickName eq "line\nbreak" and x eq "\\u0041"';
    const raw = text.match(/"(?:[^"\\]|\\.|\n)*"/g) ?? [];
    relies("Quoted tokens correspond one to one, in order, with the quoted strings of the text", () => {
      const quoted = tokenizer(text)
        .filter((t) => t.type === "Quoted")
        .map((t) => t.literal);
      expect(raw).toHaveLength(5);
      const strip = (s: string) => s.replace(/\\/g, ""); // the library re-escapes backslashes; filter.ts overwrites those literals anyway
      expect(quoted.map(strip)).toEqual(raw.map(strip));
    });
  });

  test.each([
    ["an unterminated quoted string", 'userName eq "open'],
    ["a character no token starts with", "userName eq jyoung@contoso.com"],
    ["a brace", 'userName eq {"a"}'],
  ])("throws on %s (filter.ts turns that into invalidFilter)", (what, text) => {
    relies(`tokenizer throws on ${what}`, () => expect(() => tokenizer(text)).toThrow());
  });
});

describe("scim2-parse-filter: parseFilter over Tokens", () => {
  test("tokens are mutable and parseFilter reads them as edited: a retyped value's JSON literal becomes compValue", () => {
    // filter.ts rewrites unquoted values in place: Word/Number → Quoted with a JSON literal, or the
    // bare lower-case literal true/false/null.
    const retype = (value: string) => (list: Token[]) => {
      list[2]!.type = "Quoted";
      list[2]!.literal = value;
    };
    relies("compValue is JSON.parse of the literal of the (edited) token after the operator", () => {
      expect(parse("externalId eq jyoung", retype('"jyoung"')).ast).toEqual({ op: "eq", attrPath: "externalId", compValue: "jyoung" });
      expect(parse("externalId eq 00123", retype('"00123"')).ast).toEqual({ op: "eq", attrPath: "externalId", compValue: "00123" });
      expect(parse("active eq True", retype("true")).ast).toEqual({ op: "eq", attrPath: "active", compValue: true });
      expect(parse("active eq FALSE", retype("false")).ast).toEqual({ op: "eq", attrPath: "active", compValue: false });
      expect(parse("manager eq Null", retype("null")).ast).toEqual({ op: "eq", attrPath: "manager", compValue: null });
      expect(parse('displayName eq "x"', retype(JSON.stringify('a "quoted" \\ word'))).ast).toMatchObject({ compValue: 'a "quoted" \\ word' });
    });
  });

  test.each<[string, string, Filter]>([
    [
      "a comparison is { op, attrPath, compValue }, op lower-cased, attrPath as written",
      'UserName EQ "Joy"',
      { op: "eq", attrPath: "UserName", compValue: "Joy" },
    ],
    [
      "every comparison operator is recognised in any case",
      'a NE "1" and b co "2" and c Sw "3" and d ew "4" and e gt "5" and f lt "6" and g ge "7" and h LE "8"',
      {
        op: "and",
        filters: (["ne", "co", "sw", "ew", "gt", "lt", "ge", "le"] as const).map((op, i) => ({ op, attrPath: "abcdefgh"[i]!, compValue: String(i + 1) })),
      },
    ],
    ["pr is { op: 'pr', attrPath } in any case", "title PR", { op: "pr", attrPath: "title" }],
    [
      "a value path alone is { op: '[]', attrPath, valFilter }",
      'emails[type eq "work"]',
      { op: "[]", attrPath: "emails", valFilter: { op: "eq", attrPath: "type", compValue: "work" } },
    ],
    [
      "a value path holds a whole filter",
      'emails[type eq "work" and value co "@x"]',
      {
        op: "[]",
        attrPath: "emails",
        valFilter: {
          op: "and",
          filters: [
            { op: "eq", attrPath: "type", compValue: "work" },
            { op: "co", attrPath: "value", compValue: "@x" },
          ],
        },
      },
    ],
    [
      "`a[f].sub op v` becomes a two-element `and` of the value path and `a.sub op v` (filter.ts folds it back)",
      'emails[type eq "work"].value eq "x"',
      {
        op: "and",
        filters: [
          { op: "[]", attrPath: "emails", valFilter: { op: "eq", attrPath: "type", compValue: "work" } },
          { op: "eq", attrPath: "emails.value", compValue: "x" },
        ],
      },
    ],
    [
      "the same with pr after the sub-attribute",
      'emails[type eq "work"].value pr',
      {
        op: "and",
        filters: [
          { op: "[]", attrPath: "emails", valFilter: { op: "eq", attrPath: "type", compValue: "work" } },
          { op: "pr", attrPath: "emails.value" },
        ],
      },
    ],
    [
      "that two-element `and` stays its own node when the filter goes on (never merged into a longer and)",
      'emails[type eq "work"].value eq "x" and userName eq "y"',
      {
        op: "and",
        filters: [
          {
            op: "and",
            filters: [
              { op: "[]", attrPath: "emails", valFilter: { op: "eq", attrPath: "type", compValue: "work" } },
              { op: "eq", attrPath: "emails.value", compValue: "x" },
            ],
          },
          { op: "eq", attrPath: "userName", compValue: "y" },
        ],
      },
    ],
    [
      "…and when it comes after another clause",
      'userName eq "y" and emails[type eq "work"].value eq "x"',
      {
        op: "and",
        filters: [
          { op: "eq", attrPath: "userName", compValue: "y" },
          {
            op: "and",
            filters: [
              { op: "[]", attrPath: "emails", valFilter: { op: "eq", attrPath: "type", compValue: "work" } },
              { op: "eq", attrPath: "emails.value", compValue: "x" },
            ],
          },
        ],
      },
    ],
    ["not is { op: 'not', filter }", 'not (userName eq "a")', { op: "not", filter: { op: "eq", attrPath: "userName", compValue: "a" } }],
  ])("%s", (promise, text, expected) =>
    relies(promise, () => {
      const { ast, rest } = parse(text);
      expect(ast).toEqual(expected);
      expect(rest.type).toBe("EOT");
    }),
  );

  test.each([
    ["and binds tighter than or", 'a eq "1" or b eq "2" and c eq "3"', '(or (eq a "1") (and (eq b "2") (eq c "3")))'],
    ["…on either side", 'a eq "1" and b eq "2" or c eq "3" and d eq "4"', '(or (and (eq a "1") (eq b "2")) (and (eq c "3") (eq d "4")))'],
    ["parentheses group", '(a eq "1" or b eq "2") and c eq "3"', '(and (or (eq a "1") (eq b "2")) (eq c "3"))'],
    ["not binds tighter than and", 'not (a eq "1") and b eq "2"', '(and (not (eq a "1")) (eq b "2"))'],
    ["not applies to a parenthesised filter", 'not (a eq "1" or b eq "2")', '(not (or (eq a "1") (eq b "2")))'],
    ["not after and", 'a eq "1" and not (b eq "2")', '(and (eq a "1") (not (eq b "2")))'],
    ["logical operators in any case", 'a eq "1" OR b eq "2" And NOT (c pr)', '(or (eq a "1") (and (eq b "2") (not (pr c))))'],
    ["a value path combines like any clause", 'emails[type eq "work"] or userName eq "y"', '(or (emails[] (eq type "work")) (eq userName "y"))'],
    ["or inside a value path (members[value eq … or value eq …])", 'members[value eq "1" or value eq "2"]', '(members[] (or (eq value "1") (eq value "2")))'],
  ])("precedence: %s", (promise, text, expected) =>
    relies(`precedence: ${promise}`, () => {
      const { ast, rest } = parse(text);
      expect(shape(ast)).toBe(expected);
      expect(rest.type).toBe("EOT");
    }),
  );

  test.each([
    ["a second value", 'userName eq "a" "b"'],
    ["an unmatched closing parenthesis", 'userName eq "a")'],
    ["a dangling word", 'userName eq "a" title'],
  ])("stops before trailing tokens (%s) or throws, never swallows them", (what, text) => {
    // filter.ts rejects the filter when the cursor is not at EOT after parseFilter.
    relies(`parseFilter leaves trailing tokens (${what}) for the caller to see, or throws`, () => {
      let rest: Token | undefined;
      try {
        rest = parse(text).rest;
      } catch {
        return;
      }
      expect(rest.type).not.toBe("EOT");
    });
  });

  test.each([
    ["a missing value", "userName eq"],
    ["an unknown operator", 'userName is "a"'],
    ["an unclosed parenthesis", '(userName eq "a"'],
    ["an unclosed value path", 'emails[type eq "work"'],
  ])("throws on %s (filter.ts turns that into invalidFilter)", (what, text) => {
    relies(`parseFilter throws on ${what}`, () => expect(() => parse(text)).toThrow());
  });
});
