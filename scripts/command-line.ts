// The machinery the operator CLIs share (npm run credentials, npm run tenant): commands declared as data
// (a positional and options each), the strict parser (node:util parseArgs), usage text, "did you mean"
// suggestions and the runner with its exit codes. Knows no command and reads no environment.
import { parseArgs, ParseArgsConfig } from "node:util";

export interface Io {
  out(line: string): void;
  err(line: string): void;
}
/** Bad command line: exit code 2, with the usage of the command. */
export class UsageError extends Error {}

export interface Range {
  min: number;
  max: number;
}
/**
 * A boolean never takes a value; a string option takes the next word (or `--name=value`). `whole`: a
 * whole number within the range, `choices`: one of these words, `repeatable`: may be given several
 * times (read with list()), `footnote`: explained once under the usage rather than on every synopsis.
 */
export type Option =
  | { type: "boolean" }
  | {
      type: "string";
      value: string;
      required?: boolean;
      whole?: Range & { unit: string };
      choices?: readonly string[];
      repeatable?: boolean;
      footnote?: boolean;
    };

/** A command: `run` gets the parsed arguments and what the program works on (C), and returns the exit code. */
export interface CommandSpec<C> {
  arg?: string;
  options: Record<string, Option>;
  run(a: Args, io: Io, cx: C): Promise<number>;
}

export interface CommandGroup<C> {
  title: string;
  commands: Record<string, CommandSpec<C>>;
}

export interface Program<C> {
  /** What the usage calls the program, e.g. "npm run credentials --". */
  name: string;
  groups: CommandGroup<C>[];
  /** Lines under the whole usage. */
  footer(cx: C): string[];
  /** Lines under one command's usage, after its group's title. */
  commandFooter(cx: C, spec: CommandSpec<C>): string[];
}

export const flag: Option = { type: "boolean" };
export const text = (value: string, required = false): Option => ({ type: "string", value, required });

/** A parsed command line; reading an option the command does not declare is a programming error. */
export class Args {
  constructor(
    private readonly command: string,
    private readonly options: Record<string, Option>,
    private readonly values: Record<string, string | string[] | boolean | undefined>,
    private readonly positional?: string,
  ) {}
  private declared(name: string, repeatable = false): void {
    const o = this.options[name];
    if (!o) throw new Error(`'${this.command}' reads --${name}, which it does not declare.`);
    if ((o.type === "string" && o.repeatable === true) !== repeatable) throw new Error(`'${this.command}' reads --${name} with the wrong accessor.`);
  }
  get arg(): string {
    if (this.positional === undefined) throw new Error(`'${this.command}' declares no positional argument.`);
    return this.positional;
  }
  str(name: string): string | undefined {
    this.declared(name);
    const v = this.values[name];
    return typeof v === "string" ? v : undefined;
  }
  /** A required option (the parser has checked it is there). */
  need(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw new Error(`--${name} is not a required option of '${this.command}'.`);
    return v;
  }
  int(name: string): number | undefined {
    const v = this.str(name);
    return v === undefined ? undefined : Number(v);
  }
  /** Every value of a repeatable option, in command-line order. */
  list(name: string): string[] {
    this.declared(name, true);
    const v = this.values[name];
    return Array.isArray(v) ? v : [];
  }
  flag(name: string): boolean {
    this.declared(name);
    return this.values[name] === true;
  }
}

const WIDTH = 110;

/** One command's synopsis after prefix, wrapped under its name: required options bare, optional ones in brackets. */
function synopsis<C>(prefix: string, name: string, spec: CommandSpec<C>): string {
  const words = spec.arg ? [`<${spec.arg}>`] : [];
  for (const [option, o] of Object.entries(spec.options)) {
    if (o.type === "boolean") words.push(`[--${option}]`);
    else if (!o.footnote) words.push(o.required ? `--${option} <${o.value}>` : `[--${option} <${o.value}>]${o.repeatable ? "..." : ""}`);
  }
  const lines: string[] = [];
  const hang = " ".repeat(prefix.length + name.length + 1);
  let line = prefix + name;
  for (const word of words) {
    if (line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = hang + word;
    } else line += " " + word;
  }
  lines.push(line);
  return lines.join("\n");
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const at = (cells: number[], k: number) => cells[k] ?? Infinity; // every cell read is filled: 0 ≤ k ≤ b.length
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(at(prev, j) + 1, at(row, j - 1) + 1, at(prev, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return at(prev, b.length);
}

/** The candidate within two edits of word (and closer than half its length), if any. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= 2 && bestDistance < word.length / 2 ? best : undefined;
}

function parseOptions(options: Record<string, Option>): NonNullable<ParseArgsConfig["options"]> {
  return {
    ...Object.fromEntries(
      Object.entries(options).map(([name, o]) => [name, o.type === "string" && o.repeatable ? { type: o.type, multiple: true } : { type: o.type }]),
    ),
    help: { type: "boolean", short: "h" },
  };
}

/** Checks one string value against its option's rules. */
function checkValue(name: string, o: Extract<Option, { type: "string" }>, v: string): void {
  if (v === "") throw new UsageError(`--${name} needs a value.`);
  if (o.whole && !(/^\d+$/.test(v) && Number(v) >= o.whole.min && Number(v) <= o.whole.max)) {
    throw new UsageError(`--${name} must be a whole number of ${o.whole.unit} from ${o.whole.min} to ${o.whole.max}, got '${v}'.`);
  }
  if (o.choices && !o.choices.includes(v)) {
    const near = closest(v, o.choices);
    throw new UsageError(`--${name} is one of ${o.choices.join(", ")}, got '${v}'${near ? ` (did you mean ${near}?)` : ""}.`);
  }
}

/** Strict parse of one command's arguments: unknown or repeated options, missing values and bad values are usage errors. */
export function parse<C>(command: string, spec: CommandSpec<C>, args: string[]): Args {
  const options = parseOptions(spec.options);
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      // Name the option ourselves (Node's message is about positionals that start with '-').
      const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
      const unknown = tokens.find((t) => t.kind === "option" && !(t.name in options));
      const raw = unknown?.kind === "option" ? unknown.rawName : args.find((x) => x.startsWith("-"));
      if (raw === undefined) throw e;
      const near = closest(raw.replace(/^-+/, "").replace(/=.*/, ""), Object.keys(spec.options));
      throw new UsageError(`unknown option ${raw} for '${command}'${near ? ` (did you mean --${near}?)` : ""}.`);
    }
    if (code?.startsWith("ERR_PARSE_ARGS_")) throw new UsageError((e as Error).message.replace(/\n/g, " "));
    throw e;
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== "option") continue;
    const o = spec.options[t.name];
    if (seen.has(t.name) && !(o?.type === "string" && o.repeatable)) throw new UsageError(`${t.rawName} is given more than once.`);
    seen.add(t.name);
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  for (const [name, o] of Object.entries(spec.options)) {
    const v = values[name];
    if (o.type !== "string") continue;
    if (v === undefined) {
      if (o.required) throw new UsageError(`--${name} <${o.value}> is required.`);
      continue;
    }
    for (const one of Array.isArray(v) ? v : [v]) if (typeof one === "string") checkValue(name, o, one);
  }
  const wanted = spec.arg ? 1 : 0;
  const extra = parsed.positionals[wanted];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'.`);
  if (spec.arg && !parsed.positionals[0]) throw new UsageError(`<${spec.arg}> is required.`);
  return new Args(command, spec.options, values, parsed.positionals[0]);
}

/** -h/--help anywhere before a `--` terminator. */
const asksForHelp = (args: string[]) => (args.includes("--") ? args.slice(0, args.indexOf("--")) : args).some((x) => x === "--help" || x === "-h");

/** A program's usage and runner, built from its command table. */
export class CommandLine<C> {
  private readonly commands: Map<string, CommandSpec<C>>;

  constructor(private readonly program: Program<C>) {
    this.commands = new Map(program.groups.flatMap((g) => Object.entries(g.commands)));
  }

  /** The whole usage, or one command's. */
  usage(cx: C, command?: string): string {
    const { name, groups } = this.program;
    const spec = command === undefined ? undefined : this.commands.get(command);
    if (command !== undefined && spec) {
      const group = groups.find((g) => command in g.commands);
      if (!group) throw new Error(`command '${command}' is in no group`);
      return [synopsis(`Usage: ${name} `, command, spec), group.title, ...this.program.commandFooter(cx, spec)].join("\n");
    }
    return [
      `Usage: ${name} <command> [options]`,
      ...groups.flatMap((g) => ["", g.title, ...Object.entries(g.commands).map(([n, s]) => synopsis("  ", n, s))]),
      "",
      ...this.program.footer(cx),
    ].join("\n");
  }

  /** Runs one command line; returns the process exit code (0 ok, 1 not found / refused, 2 usage). */
  async main(argv: string[], io: Io, cx: C): Promise<number> {
    const [first] = argv;
    if (first === undefined) {
      io.err(this.usage(cx));
      return 2;
    }
    if (["--help", "-h", "help"].includes(first)) {
      io.out(this.usage(cx));
      return 0;
    }
    const command = [argv.slice(0, 2).join(" "), first].find((name) => this.commands.has(name));
    const spec = command === undefined ? undefined : this.commands.get(command);
    if (command === undefined || !spec) {
      const typed = argv
        .slice(0, 2)
        .filter((w) => !w.startsWith("-"))
        .join(" ");
      const verbs = [...this.commands.keys()].filter((name) => name.startsWith(`${first} `));
      const near = closest(typed, this.commands.keys());
      io.err(
        verbs.length
          ? `error: '${first}' needs one of: ${verbs.join(", ")}${near ? ` (did you mean '${near}'?)` : ""}.`
          : `error: unknown command '${typed}'${near ? ` (did you mean '${near}'?)` : ""}.`,
      );
      io.err(this.usage(cx));
      return 2;
    }
    const rest = argv.slice(command.split(" ").length);
    if (asksForHelp(rest)) {
      io.out(this.usage(cx, command));
      return 0;
    }
    try {
      return await spec.run(parse(command, spec, rest), io, cx);
    } catch (e) {
      io.err(`error: ${(e as Error).message}`);
      if (!(e instanceof UsageError)) return 1;
      io.err(this.usage(cx, command));
      return 2;
    }
  }
}
