// Every identifier in a file must resolve: to a declaration, a loop or lambda variable, a function
// parameter, a nested resource in scope, an import, or a Bicep built-in. Also checks the first member
// read on a resource or module symbol, and collects `module.outputs.x` reads for cross-file checks.
import type { Node } from "./bicep-grammar";
import type { BicepFile, ModuleDecl, ResourceDecl } from "./bicep-model";
import { codeChildren, declaredName, decoratorsOf, descendants } from "./bicep-syntax";
import { BUILTIN_DECORATORS, BUILTIN_FUNCTIONS, BUILTIN_NAMESPACES, BUILTIN_TYPE_NAMES, MODULE_MEMBERS, RESOURCE_MEMBERS } from "./bicep-builtins";
import { Finding, at } from "./finding";

type Role = "declaration" | "key" | "type" | "decorator" | "call" | "nested" | "reference";

type SymbolKind = "param" | "var" | "resource" | "module" | "type" | "func" | "import" | "namespace" | "local";
interface Symbol {
  kind: SymbolKind;
  resource?: ResourceDecl;
  module?: ModuleDecl;
}

/** Names visible inside `scope` from character `from` on. */
interface Binder {
  scope: Node;
  from: number;
  names: Map<string, Symbol>;
  /** A user-defined function body: only its parameters, types, functions and imports are visible. */
  isFunction?: boolean;
}

export interface ModuleOutputRead {
  module: ModuleDecl;
  output: string;
  node: Node;
}

const DECLARATIONS = new Set([
  "parameter_declaration",
  "variable_declaration",
  "resource_declaration",
  "module_declaration",
  "output_declaration",
  "type_declaration",
  "metadata_declaration",
  "assert_statement",
  "test_block",
  "parameter",
  "user_defined_function",
]);
const IMPORTS = new Set(["import_functionality", "import_statement", "import_with_statement"]);
const TYPE_NODES = new Set(["type", "parameterized_type", "array_type", "union_type", "nullable_type", "parenthesized_type", "negated_type"]);

const same = (a: Node | null | undefined, b: Node) => !!a && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;
const contains = (outer: Node, inner: Node) => inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;

function lambdaParams(lambda: Node): Node[] {
  const first = codeChildren(lambda)[0];
  if (!first) return [];
  if (first.type === "identifier") return [first];
  if (first.type === "parenthesized_expression") return codeChildren(first).filter((c) => c.type === "identifier");
  return [];
}

function role(id: Node): Role {
  const parent = id.parent!;
  if (DECLARATIONS.has(parent.type) && same(declaredName(parent), id)) return "declaration";
  if (IMPORTS.has(parent.type)) return "declaration";
  if (parent.type === "for_statement" && same(parent.childForFieldName("initializer"), id)) return "declaration";
  if (parent.type === "lambda_expression" && lambdaParams(parent).some((p) => same(p, id))) return "declaration";
  if (parent.type === "parenthesized_expression" && parent.parent?.type === "lambda_expression" && lambdaParams(parent.parent).some((p) => same(p, id)))
    return "declaration";
  if (parent.type === "object_property" && same(codeChildren(parent)[0], id)) return "key";
  if (parent.type === "resource_expression" && same(parent.childForFieldName("resource"), id)) return "nested";
  if (parent.type === "call_expression" && same(parent.childForFieldName("function"), id)) return parent.parent?.type === "decorator" ? "decorator" : "call";
  for (let a: Node | null = parent; a; a = a.parent) {
    if (TYPE_NODES.has(a.type)) return "type";
    if (a.type === "type_declaration") return "type";
    if (DECLARATIONS.has(a.type) || a.type === "decorator") break;
  }
  return "reference";
}

function globals(f: BicepFile): Map<string, Symbol> {
  const g = new Map<string, Symbol>();
  for (const ns of BUILTIN_NAMESPACES) g.set(ns, { kind: "namespace" });
  for (const i of f.imports) for (const n of i.names) g.set(n, { kind: "import" });
  for (const n of f.params.keys()) g.set(n, { kind: "param" });
  for (const n of f.vars.keys()) g.set(n, { kind: "var" });
  for (const n of f.assignments.keys()) g.set(n, { kind: "param" });
  for (const r of f.resources) g.set(r.name, { kind: "resource", resource: r });
  for (const [n, m] of f.modules) g.set(n, { kind: "module", module: m });
  for (const n of f.types.keys()) g.set(n, { kind: "type" });
  for (const n of f.funcs.keys()) g.set(n, { kind: "func" });
  return g;
}

function binders(f: BicepFile): Binder[] {
  const out: Binder[] = [];
  const root = f.tree.rootNode;
  for (const loop of descendants(root, "for_statement")) {
    const names = new Map<string, Symbol>();
    const init = loop.childForFieldName("initializer");
    if (init) names.set(init.text, { kind: "local" });
    for (const p of descendants(loop, "for_loop_parameters").filter((p) => same(p.parent, loop)))
      for (const v of codeChildren(p)) names.set(v.text, { kind: "local" });
    out.push({ scope: loop, from: loop.startIndex, names });
  }
  for (const lambda of descendants(root, "lambda_expression")) {
    // The grammar sometimes ends a lambda's node early (`x => x.a && x.b` becomes `(x => x).a && …`),
    // so its parameters are visible up to the end of the enclosing function argument.
    let scope = lambda;
    while (scope.parent && scope.parent.type !== "arguments" && !DECLARATIONS.has(scope.parent.type) && scope.parent.type !== "object_property")
      scope = scope.parent;
    out.push({ scope, from: lambda.startIndex, names: new Map(lambdaParams(lambda).map((p) => [p.text, { kind: "local" }])) });
  }
  for (const fn of f.funcs.values()) {
    const names = new Map<string, Symbol>();
    for (const p of descendants(fn, "parameter")) {
      const n = declaredName(p);
      if (n) names.set(n.text, { kind: "local" });
    }
    out.push({ scope: fn, from: fn.startIndex, names, isFunction: true });
  }
  // Nested resources are visible by their own name inside their parent's body.
  for (const r of f.allResources) {
    if (!r.body || r.children.length === 0) continue;
    out.push({ scope: r.body, from: r.body.startIndex, names: new Map(r.children.map((c) => [c.name, { kind: "resource", resource: c }])) });
  }
  return out;
}

export interface Resolution {
  findings: Finding[];
  moduleOutputReads: ModuleOutputRead[];
}

export function resolveFile(f: BicepFile): Resolution {
  const findings: Finding[] = [];
  const moduleOutputReads: ModuleOutputRead[] = [];
  const g = globals(f);
  const bs = binders(f);

  const used = new Set<string>();
  const lookup = (id: Node): Symbol | undefined => {
    const visible = bs.filter((b) => contains(b.scope, id) && id.startIndex >= b.from);
    for (const b of visible) {
      const s = b.names.get(id.text);
      if (s) return s;
    }
    const s = g.get(id.text);
    if (visible.some((b) => b.isFunction) && s && !["type", "func", "import", "namespace"].includes(s.kind)) return undefined;
    if (s) used.add(id.text);
    return s;
  };

  const resolveResource = (expr: Node): ResourceDecl | undefined => {
    if (expr.type === "identifier") return lookup(expr)?.resource;
    if (expr.type === "resource_expression") {
      const parent = resolveResource(expr.childForFieldName("object")!);
      const child = expr.childForFieldName("resource");
      return parent?.children.find((c) => c.name === child?.text);
    }
    return undefined;
  };

  for (const d of f.duplicates) findings.push(at(f.path, d, "duplicate-declaration", `'${d.text}' is declared more than once`));

  for (const id of descendants(f.tree.rootNode, "identifier")) {
    switch (role(id)) {
      case "declaration":
      case "key":
        break;
      case "decorator":
        if (!BUILTIN_DECORATORS.has(id.text)) findings.push(at(f.path, id, "unknown-decorator", `unknown decorator '@${id.text}'`));
        break;
      case "call":
        if (!BUILTIN_FUNCTIONS.has(id.text) && !f.funcs.has(id.text) && g.get(id.text)?.kind !== "import")
          findings.push(at(f.path, id, "undeclared-function", `'${id.text}()' is neither a Bicep function nor declared`));
        break;
      case "type":
        if (!f.types.has(id.text) && !BUILTIN_TYPE_NAMES.has(id.text) && g.get(id.text)?.kind !== "import")
          findings.push(at(f.path, id, "undeclared-type", `type '${id.text}' is not declared`));
        break;
      case "nested": {
        const owner = id.parent!.childForFieldName("object")!;
        const parent = resolveResource(owner);
        if (parent && !parent.children.some((c) => c.name === id.text))
          findings.push(at(f.path, id, "unknown-nested-resource", `'${parent.name}' has no nested resource '${id.text}'`));
        break;
      }
      case "reference":
        if (!lookup(id)) findings.push(at(f.path, id, "undeclared", `'${id.text}' is not declared`));
        break;
    }
  }

  for (const m of descendants(f.tree.rootNode, "member_expression")) {
    let obj = m.childForFieldName("object");
    while (obj?.type === "subscript_expression") obj = obj.childForFieldName("object");
    const prop = m.childForFieldName("property");
    if (!obj || !prop) continue;
    const sym = obj.type === "identifier" && role(obj) === "reference" ? lookup(obj) : undefined;
    const resource = sym?.resource ?? (obj.type === "resource_expression" ? resolveResource(obj) : undefined);
    const isCall = m.parent?.type === "call_expression" && same(m.parent.childForFieldName("function"), m);
    if (resource && !RESOURCE_MEMBERS.has(prop.text) && !isCall)
      findings.push(at(f.path, prop, "resource-member", `resource '${resource.name}' has no top-level property '${prop.text}'`));
    if (sym?.module) {
      if (!MODULE_MEMBERS.has(prop.text)) findings.push(at(f.path, prop, "module-member", `module '${sym.module.name}' has no property '${prop.text}'`));
      const outer = m.parent;
      if (prop.text === "outputs" && outer?.type === "member_expression" && same(outer.childForFieldName("object"), m)) {
        const output = outer.childForFieldName("property");
        if (output) moduleOutputReads.push({ module: sym.module, output: output.text, node: output });
      }
    }
  }
  // A template's params, vars and `existing` resources must be used (exported vars are used by
  // importers); parameter files are exempt, their vars exist to be assigned.
  if (f.kind === "bicep") {
    for (const p of f.params.values())
      if (!used.has(p.name)) findings.push(at(f.path, declaredName(p.node), "unused-declaration", `param '${p.name}' is never used`));
    for (const [name, node] of f.vars)
      if (!used.has(name) && !decoratorsOf(node).some((d) => d.name === "export"))
        findings.push(at(f.path, declaredName(node), "unused-declaration", `var '${name}' is never used`));
    for (const r of f.resources)
      if (r.existing && !used.has(r.name)) findings.push(at(f.path, declaredName(r.node), "unused-declaration", `existing resource '${r.name}' is never used`));
  }
  return { findings, moduleOutputReads };
}
