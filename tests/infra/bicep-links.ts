// Cross-file checks: module paths exist and get exactly the params they declare (all required ones
// included), `module.outputs.x` names a real output, imports name real files, and parameter files
// (.bicepparam and azd's main.parameters.json) match the template they are for.
import type { Node } from "./bicep-grammar";
import { BicepFile, ParamDecl, resolveRelative } from "./bicep-model";
import { ModuleOutputRead } from "./bicep-resolve";
import { Literal, literal, properties, property, propertyKey, propertyKeyNode, propertyValue } from "./bicep-syntax";
import { Finding, at } from "./finding";

export const isRequired = (p: ParamDecl) => !p.defaultValue && !p.nullable;

function kindOf(v: Literal): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "number" ? "int" : typeof v === "boolean" ? "bool" : "string";
}

/** Literal values checked against the declared type and its @allowed / length / range decorators. */
export function valueFindings(file: string, param: ParamDecl, value: Node | undefined): Finding[] {
  const v = value?.type === "object" ? {} : literal(value);
  if (v === undefined) return [];
  const out: Finding[] = [];
  const bad = (msg: string) => out.push(at(file, value, "param-value", `${param.name}: ${msg}`));
  const declared = param.type?.text.replace("?", "").trim();
  const actual = value?.type === "object" ? "object" : kindOf(v as Literal);
  if (declared && ["string", "int", "bool", "object", "array"].includes(declared) && actual !== declared && !(actual === "null" && param.nullable))
    bad(`expected ${declared}, got ${actual}`);
  for (const d of param.decorators) {
    const arg = literal(d.args[0]);
    if (d.name === "allowed" && Array.isArray(arg) && !arg.some((a) => JSON.stringify(a) === JSON.stringify(v)))
      bad(`${JSON.stringify(v)} is not one of ${JSON.stringify(arg)}`);
    const len = typeof v === "string" || Array.isArray(v) ? v.length : undefined;
    if (d.name === "minLength" && typeof arg === "number" && len !== undefined && len < arg) bad(`shorter than ${arg}`);
    if (d.name === "maxLength" && typeof arg === "number" && len !== undefined && len > arg) bad(`longer than ${arg}`);
    if (d.name === "minValue" && typeof arg === "number" && typeof v === "number" && v < arg) bad(`below ${arg}`);
    if (d.name === "maxValue" && typeof arg === "number" && typeof v === "number" && v > arg) bad(`above ${arg}`);
  }
  return out;
}

/** Resource members known before deployment; anything else is read at run time. */
const DEPLOY_TIME_MEMBERS = new Set(["id", "name", "type", "apiVersion"]);

/**
 * A module param fed from another module's outputs or a resource's run-time properties makes
 * `what-if` skip that module ("short-circuit"); pass names and read the rest through `existing`.
 */
function runtimeValueFindings(f: BicepFile, moduleName: string, key: string, value: Node | undefined): Finding[] {
  if (!value) return [];
  const out: Finding[] = [];
  for (const m of [value, ...value.descendantsOfType("member_expression")]) {
    if (m.type !== "member_expression") continue;
    const obj = m.childForFieldName("object");
    const prop = m.childForFieldName("property")?.text ?? "";
    if (obj?.type !== "identifier") continue;
    const runtime = (f.modules.has(obj.text) && prop === "outputs") || (f.resources.some((r) => r.name === obj.text) && !DEPLOY_TIME_MEMBERS.has(prop));
    if (runtime)
      out.push(
        at(f.path, m, "module-runtime-param", `module '${moduleName}': param '${key}' reads ${m.text} at run time, so what-if cannot evaluate the module`),
      );
  }
  return out;
}

export function moduleFindings(f: BicepFile, files: Map<string, BicepFile>, reads: ModuleOutputRead[]): Finding[] {
  const out: Finding[] = [];
  for (const m of f.modules.values()) {
    const target = resolveRelative(f.path, m.path);
    if (!target) {
      out.push(at(f.path, m.pathNode, "registry-module", `'${m.path}' is a registry module; templates must build offline from local modules`));
      continue;
    }
    const mod = files.get(target);
    if (!mod) {
      out.push(at(f.path, m.pathNode, "module-path", `module file '${target}' does not exist`));
      continue;
    }
    const params = property(m.body, "params");
    const given = new Set<string>();
    for (const prop of params?.type === "object" ? properties(params) : []) {
      const key = propertyKey(prop);
      if (!key) continue;
      given.add(key);
      out.push(...runtimeValueFindings(f, m.name, key, propertyValue(prop)));
      const decl = mod.params.get(key);
      if (!decl) out.push(at(f.path, propertyKeyNode(prop), "module-param-unknown", `module '${m.name}': '${key}' is not a param of ${target}`));
      else out.push(...valueFindings(f.path, decl, propertyValue(prop)));
    }
    for (const p of mod.params.values())
      if (isRequired(p) && !given.has(p.name))
        out.push(at(f.path, m.node, "module-param-missing", `module '${m.name}': required param '${p.name}' of ${target} is not passed`));
  }
  for (const r of reads) {
    const target = resolveRelative(f.path, r.module.path);
    const mod = target ? files.get(target) : undefined;
    if (target && mod && !mod.outputs.has(r.output)) out.push(at(f.path, r.node, "module-output", `${target} has no output '${r.output}'`));
  }
  for (const i of f.imports) {
    const target = i.path ? resolveRelative(f.path, i.path) : undefined;
    if (target && !files.has(target)) out.push(at(f.path, i.node, "import-path", `imported file '${target}' does not exist`));
  }
  return out;
}

/** A .bicepparam file against the template named by its `using` line. */
export function paramFileFindings(f: BicepFile, files: Map<string, BicepFile>): Finding[] {
  if (!f.using) return [at(f.path, f.tree.rootNode, "using-target", "no `using '<template>.bicep'` line")];
  const target = resolveRelative(f.path, f.using.path);
  const template = target ? files.get(target) : undefined;
  if (!target || !template) return [at(f.path, f.using.node, "using-target", `template '${target ?? f.using.path}' does not exist`)];
  const out: Finding[] = [];
  for (const a of f.assignments.values()) {
    const decl = template.params.get(a.name);
    if (!decl) out.push(at(f.path, a.node, "param-undeclared", `'${a.name}' is not a param of ${target}`));
    else out.push(...valueFindings(f.path, decl, a.value));
  }
  for (const p of template.params.values())
    if (isRequired(p) && !f.assignments.has(p.name)) out.push(at(f.path, f.using.node, "param-missing", `required param '${p.name}' of ${target} is not set`));
  return out;
}

/** azd's `<template>.parameters.json` (values may be ${ENV} placeholders, so only names are checked). */
export function parametersJsonFindings(file: string, text: string, files: Map<string, BicepFile>): Finding[] {
  const target = file.replace(/\.parameters\.json$/, ".bicep");
  const template = files.get(target);
  const whole = { file, line: 1, column: 1 };
  if (!template) return [{ ...whole, rule: "using-target", message: `template '${target}' does not exist` }];
  let names: string[];
  try {
    names = Object.keys((JSON.parse(text) as { parameters?: Record<string, unknown> }).parameters ?? {});
  } catch (e) {
    return [{ ...whole, rule: "syntax", message: `invalid JSON: ${(e as Error).message}` }];
  }
  const out: Finding[] = [];
  for (const n of names) if (!template.params.has(n)) out.push({ ...whole, rule: "param-undeclared", message: `'${n}' is not a param of ${target}` });
  for (const p of template.params.values())
    if (isRequired(p) && !names.includes(p.name)) out.push({ ...whole, rule: "param-missing", message: `required param '${p.name}' of ${target} is not set` });
  return out;
}
