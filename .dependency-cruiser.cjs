// Layer rules: who may import whom (house style, "Who may import whom"). Run by `npm run layers`:
//   depcruise --config .dependency-cruiser.cjs functions shared scripts bench examples
// Type-only imports count (tsPreCompilationDeps): a layer that needs another's types depends on it.
// Paths are relative to the repository root; packages resolve to node_modules/<name>/...
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "No import cycles anywhere (type-only cycles included).",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "Every import resolves; an import the cruiser cannot follow would escape every rule below.",
      from: {},
      to: { couldNotResolve: true },
    },

    // --- shared/scim: protocol, pure functions -------------------------------------------------------
    {
      name: "scim-is-protocol-only",
      severity: "error",
      comment: "shared/scim is the protocol: it knows nothing of storage, HTTP, handlers or auth.",
      from: { path: "^shared/scim/" },
      to: { path: "^shared/(store|http|handlers|auth)/" },
    },
    {
      name: "scim-no-azure",
      severity: "error",
      comment: "shared/scim imports no @azure/* package.",
      from: { path: "^shared/scim/" },
      to: { path: "(^|/)node_modules/@azure/" },
    },
    {
      name: "scim-no-node-builtins",
      severity: "error",
      comment:
        "shared/scim does no I/O: no Node built-in module at all (fs, net, http, child_process, ...). " +
        "It needs none today, node:crypto included; if it ever needs hashing, allow node:crypto here explicitly.",
      from: { path: "^shared/scim/" },
      to: { dependencyTypes: ["core"] },
    },

    // --- shared/store: the only code that talks to Table Storage -------------------------------------
    {
      name: "store-below-http-handlers-auth",
      severity: "error",
      comment: "shared/store does not know about HTTP, handlers or auth.",
      from: { path: "^shared/store/" },
      to: { path: "^shared/(http|handlers|auth)/" },
    },
    {
      name: "data-tables-only-in-store",
      severity: "error",
      comment: "Only shared/store (and the composition root, which builds the Table client) imports @azure/data-tables.",
      from: { pathNot: "^(shared/store/|shared/root\\.ts$)" },
      to: { path: "(^|/)node_modules/@azure/data-tables/" },
    },

    // --- shared/handlers ---------------------------------------------------------------------------------
    {
      name: "handlers-no-azure",
      severity: "error",
      comment: "Handlers import no @azure/* package.",
      from: { path: "^shared/handlers/" },
      to: { path: "(^|/)node_modules/@azure/" },
    },
    {
      name: "handlers-use-store-public-face",
      severity: "error",
      comment: "Handlers reach the store only through shared/store/index.ts, its public face.",
      from: { path: "^shared/handlers/" },
      to: { path: "^shared/store/", pathNot: "^shared/store/index\\.ts$" },
    },

    {
      name: "handlers-below-http",
      severity: "error",
      comment: "functions → http → handlers: handlers say what a route does and know nothing of the pipeline or the hosts.",
      from: { path: "^shared/handlers/" },
      to: { path: "^shared/http/" },
    },

    // --- shared/events: the dispatcher, feeds and deliverers of change events ----------------------------
    {
      name: "events-below-http-handlers",
      severity: "error",
      comment: "shared/events (dispatcher, feed, deliverers) knows nothing of the pipeline, handlers or auth.",
      from: { path: "^shared/events/" },
      to: { path: "^shared/(http|handlers|auth)/" },
    },
    {
      name: "events-use-store-public-face",
      severity: "error",
      comment: "shared/events reaches the store only through shared/store/index.ts.",
      from: { path: "^shared/events/" },
      to: { path: "^shared/store/", pathNot: "^shared/store/index\\.ts$" },
    },
    {
      name: "store-below-events",
      severity: "error",
      comment: "The store records events (shared/scim/events.ts) but does not know who delivers them.",
      from: { path: "^shared/(store|scim)/" },
      to: { path: "^shared/events/" },
    },

    {
      name: "storage-queue-only-in-events-queue",
      severity: "error",
      comment:
        "The nudge queue is the dispatcher's transport: only shared/events/queue.ts imports @azure/storage-queue " +
        "(the Functions host's own trigger reads the queue; functions/ never touches the SDK).",
      from: { pathNot: "^shared/events/queue\\.ts$" },
      to: { path: "(^|/)node_modules/@azure/storage-queue/" },
    },
    {
      name: "eventgrid-only-in-events-event-grid",
      severity: "error",
      comment: "Only the Event Grid deliverer (shared/events/event-grid.ts) imports @azure/eventgrid.",
      from: { pathNot: "^shared/events/event-grid\\.ts$" },
      to: { path: "(^|/)node_modules/@azure/eventgrid/" },
    },

    // --- shared/activity: the activity log's recorder and deliverer, reasons, the quarantine rule -----------
    {
      name: "activity-below-http-handlers-auth",
      severity: "error",
      comment: "shared/activity knows nothing of the pipeline, handlers or auth (keys come in as functions).",
      from: { path: "^shared/activity/" },
      to: { path: "^shared/(http|handlers|auth)/" },
    },
    {
      name: "activity-use-store-public-face",
      severity: "error",
      comment: "shared/activity reaches the store only through shared/store/index.ts.",
      from: { path: "^shared/activity/" },
      to: { path: "^shared/store/", pathNot: "^shared/store/index\\.ts$" },
    },
    {
      name: "activity-no-azure",
      severity: "error",
      comment: "shared/activity imports no @azure/* package.",
      from: { path: "^shared/activity/" },
      to: { path: "(^|/)node_modules/@azure/" },
    },
    {
      name: "store-scim-events-below-activity",
      severity: "error",
      comment: "The store, the protocol and the dispatcher do not know the activity log's recorder or deliverer.",
      from: { path: "^shared/(store|scim|events)/" },
      to: { path: "^shared/activity/" },
    },

    // --- shared/auth -------------------------------------------------------------------------------------
    {
      name: "auth-below-http-handlers",
      severity: "error",
      comment: "shared/auth does not import shared/http or shared/handlers (type imports included).",
      from: { path: "^shared/auth/" },
      to: { path: "^shared/(http|handlers)/" },
    },
    {
      name: "auth-without-store",
      severity: "error",
      comment: "shared/auth gets what it stores (used assertions) as an injected interface; the root wires the store in.",
      from: { path: "^shared/auth/" },
      to: { path: "^shared/store/" },
    },

    // --- shared/http -------------------------------------------------------------------------------------
    {
      name: "http-no-azure",
      severity: "error",
      comment: "shared/http is host-neutral: no @azure/* package (the Functions adapter lives in functions/).",
      from: { path: "^shared/http/" },
      to: { path: "(^|/)node_modules/@azure/" },
    },

    // --- functions/: the Azure Functions host, tens of lines ---------------------------------------------
    {
      name: "functions-only-http-root-and-azure-functions",
      severity: "error",
      comment:
        "functions/ imports only shared/http/**, the composition root shared/root.ts and @azure/functions, " +
        "plus node:stream (the adapter hands a streamed body to the host as a Readable).",
      from: { path: "^functions/" },
      to: { pathNot: "^(functions/|shared/http/|shared/root\\.ts$|node_modules/@azure/functions/|(node:)?stream$)" },
    },
    {
      name: "azure-functions-only-in-functions",
      severity: "error",
      comment: "shared/** does not import @azure/functions.",
      from: { path: "^shared/" },
      to: { path: "(^|/)node_modules/@azure/functions/" },
    },

    // --- the composition root ---------------------------------------------------------------------------
    {
      name: "root-is-the-top",
      severity: "error",
      comment: "Only the entry points (functions/index.ts, scripts/*, bench/, tests/) build the service: nothing in shared/ imports the root.",
      from: { path: "^shared/", pathNot: "^shared/root\\.ts$" },
      to: { path: "^shared/root\\.ts$" },
    },

    // --- examples/: code a vendor copies ------------------------------------------------------------------
    {
      name: "examples-stand-alone",
      severity: "error",
      comment: "examples/ import nothing of this repository (a vendor copies the folder): Node, standardwebhooks and each other only.",
      from: { path: "^examples/" },
      to: { pathNot: "^(examples/|node_modules/standardwebhooks/)", dependencyTypesNot: ["core"] },
    },

    // --- production code does not depend on dev code ----------------------------------------------------
    {
      name: "no-dev-code-in-production",
      severity: "error",
      comment: "Nothing in shared/ or functions/ imports tests/, bench/ or scripts/.",
      from: { path: "^(shared|functions)/" },
      to: { path: "^(tests|bench|scripts|examples)/" },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)node_modules/" },
    // node_modules may be a symlink (git worktrees); keep package paths as node_modules/<name>/... .
    preserveSymlinks: true,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // "types" resolves packages that ship declarations through their exports map (jose, ajv).
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["main", "types", "typings"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
