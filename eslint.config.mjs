// ESLint flat config: typescript-eslint's strict type-checked rules on every .ts file (tsconfig.json's
// program, via the project service), the project's own rules, and the relaxations tests need.
// Layer rules (who may import whom) live in .dependency-cruiser.cjs; formatting is Prettier's.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

// The only files that may read process.env. Everything else receives settings from the composition root.
// Tests read it only to find the run's Azurite (global setup) and to hand child processes their settings.
const PROCESS_ENV_ALLOWED = ["shared/root.ts", "tests/**/*.ts"];

const nodeGlobals = { process: "readonly", console: "readonly", require: "readonly", module: "writable", __dirname: "readonly" };

export default defineConfig(
  {
    // infra/ is Bicep and shell; *.cjs are JavaScript preloads and tool configs (.dependency-cruiser.cjs).
    ignores: ["dist/", "node_modules/", "coverage/", ".azurite/", ".local/", "infra/", "**/*.cjs"],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },

  // Plain JavaScript (jest.config.js, this file): ESLint's recommended rules, no type information.
  {
    files: ["**/*.js", "**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: nodeGlobals },
  },

  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // --- Project rules -------------------------------------------------------------------------------
      // Settings are read once, by the composition root, and passed in (house style: "Only the root reads
      // process.env"). The files allowed to read it are PROCESS_ENV_ALLOWED, at the top.
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Only the composition root (shared/root.ts) reads process.env; take the setting as a parameter." },
      ],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "process", importNames: ["env"], message: "Only the composition root (shared/root.ts) reads process.env." },
            { name: "node:process", importNames: ["env"], message: "Only the composition root (shared/root.ts) reads process.env." },
          ],
        },
      ],
      // A switch over a union must name every member (a new StoreError code or filter operator is then a
      // compile-time list of places to visit). A `default:` counts as handling the rest: the protocol code
      // uses it deliberately for "every other attribute type"; a switch over a plain string needs one.
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: true }],
      eqeqeq: ["error", "always"],
      // Already errors through strictTypeChecked; listed so the intent survives a change of preset.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/only-throw-error": "error",

      // --- Adjustments to strictTypeChecked ------------------------------------------------------------
      // Numbers and booleans in messages and keys are normal here (`${count} rows`, `retry ${attempt}`);
      // what the rule must still catch is an object, `undefined`, `null`, `any` or a RegExp in a template.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true, allowAny: false, allowNullish: false, allowRegExp: false, allowNever: false },
      ],
      // `() => resolve()` and `.on("close", () => done())` are the common shape of callbacks here; the
      // rule would make every such arrow grow braces for no gain. Floating promises are caught separately.
      "@typescript-eslint/no-confusing-void-expression": "off",
      // PATCH removes attributes by name from a resource held as a record keyed by attribute name
      // (shared/scim/patch/apply.ts, project.ts); deleting a computed key is the operation itself.
      "@typescript-eslint/no-dynamic-delete": "off",
      // Handlers and the route table are `async` to satisfy `(req) => Promise<ScimResponse>` even when
      // a particular one awaits nothing; the rule would push them to `Promise.resolve(...)` for no gain.
      "@typescript-eslint/require-await": "off",
      // tsc's noUnusedLocals/noUnusedParameters already report unused names; keep ESLint's rule in line
      // with tsc's conventions: `_`-prefixed names and rest siblings (`const { a: _a, ...rest } = x`) are
      // deliberate omissions.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },

  {
    files: PROCESS_ENV_ALLOWED,
    rules: { "no-restricted-properties": "off", "no-restricted-imports": "off" },
  },

  // Tests handle SCIM JSON bodies as `any` (a test asserts on what the client received, whatever its
  // shape): the no-unsafe-* rules, no-explicit-any, and `any` in templates and `+` are allowed there.
  // `!` after a lookup the test just made (`users[0]!`, `match![1]`) is an assertion that fails loudly.
  {
    files: ["tests/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true, allowAny: true, allowNullish: false, allowRegExp: false, allowNever: false },
      ],
      "@typescript-eslint/restrict-plus-operands": [
        "error",
        { allowAny: true, allowBoolean: false, allowNullish: false, allowNumberAndString: false, allowRegExp: false },
      ],
    },
  },
);
