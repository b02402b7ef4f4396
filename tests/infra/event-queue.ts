// The nudge queue is wired end to end: the queue the code sends to by default is the one main.bicep
// names, storage.bicep creates it and its poison queue, the app's settings point the sender
// (SCIM_STORAGE_QUEUE_ENDPOINT, SCIM_EVENT_QUEUE) and the queue trigger's connection
// (AzureWebJobsStorage__queueServiceUri) at the same account's queue service, and the app's identity
// holds the queue role on both queues.
import type { BicepFile, ResourceDecl } from "./bicep-model";
import { codeChildren, literal, properties, property, propertyKey, propertyPath, propertyValue } from "./bicep-syntax";
import type { Node } from "./bicep-grammar";
import { Finding, at } from "./finding";
import { loadConfig } from "../../shared/config";

/** The queue name the code uses when SCIM_EVENT_QUEUE is not set. */
export const CODE_DEFAULT_QUEUE = loadConfig({}).eventQueueName;
const QUEUE_NAME = "eventQueueName";
const POISON_NAME = "'${eventQueueName}-poison'";
const QUEUE_ROLE = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
const QUEUE_TYPE = "microsoft.storage/storageaccounts/queueservices/queues";

const nameText = (r: ResourceDecl) => property(r.body, "name")?.text;

function appSettings(files: BicepFile[]): { file: string; node: Node; values: Map<string, Node | undefined> } | undefined {
  for (const f of files)
    for (const r of f.allResources)
      if (!r.existing && r.type.toLowerCase() === "microsoft.web/sites/config" && literal(property(r.body, "name")) === "appsettings") {
        const obj = property(r.body, "properties");
        const values = new Map<string, Node | undefined>();
        for (const p of obj?.type === "object" ? properties(obj) : []) values.set(propertyKey(p) ?? "", propertyValue(p));
        return { file: f.path, node: obj ?? r.node, values };
      }
  return undefined;
}

export function eventQueueFindings(files: BicepFile[]): Finding[] {
  const out: Finding[] = [];
  const main = files.find((f) => f.path === "infra/main.bicep");
  if (!main) return out;

  const declared = main.vars.get(QUEUE_NAME);
  const value = declared ? codeChildren(declared).find((c) => c.type === "string") : undefined;
  if (literal(value) !== CODE_DEFAULT_QUEUE)
    out.push(
      at(
        main.path,
        declared ?? main.tree.rootNode,
        "event-queue-name",
        `var ${QUEUE_NAME} must be '${CODE_DEFAULT_QUEUE}', the queue the code sends to by default`,
      ),
    );

  const queues = files.flatMap((f) => f.allResources.filter((r) => !r.existing && r.type.toLowerCase() === QUEUE_TYPE).map((r) => ({ f, r })));
  for (const wanted of [QUEUE_NAME, POISON_NAME])
    if (!queues.some(({ r }) => nameText(r) === wanted))
      out.push(at(main.path, main.tree.rootNode, "event-queue-missing", `no template creates the queue named ${wanted}`));

  const settings = appSettings(files);
  if (settings) {
    const text = (name: string) => settings.values.get(name)?.text;
    if (text("SCIM_EVENT_QUEUE") !== QUEUE_NAME)
      out.push(at(settings.file, settings.values.get("SCIM_EVENT_QUEUE") ?? settings.node, "event-queue-wiring", `SCIM_EVENT_QUEUE must be ${QUEUE_NAME}`));
    const sender = text("SCIM_STORAGE_QUEUE_ENDPOINT");
    const trigger = text("AzureWebJobsStorage__queueServiceUri");
    if (!sender?.endsWith("primaryEndpoints.queue") || sender !== trigger)
      out.push(
        at(
          settings.file,
          settings.values.get("SCIM_STORAGE_QUEUE_ENDPOINT") ?? settings.node,
          "event-queue-wiring",
          "SCIM_STORAGE_QUEUE_ENDPOINT and AzureWebJobsStorage__queueServiceUri must both be the stamp account's primaryEndpoints.queue",
        ),
      );
  }

  // Each queue has an assignment of the queue role scoped to it (scope: a resource declared with that name).
  for (const wanted of [QUEUE_NAME, POISON_NAME]) {
    const granted = files.some((f) =>
      f.allResources.some((ra) => {
        if (ra.existing || ra.type.toLowerCase() !== "microsoft.authorization/roleassignments") return false;
        const scope = property(ra.body, "scope")?.text.split("::").pop();
        const target = f.allResources.find((r) => r.name === scope && r.type.toLowerCase() === QUEUE_TYPE);
        const role = propertyPath(ra.body, "properties.roleDefinitionId")?.text ?? "";
        const roleVar = /roles\.(\w+)/.exec(role)?.[1];
        const roleGuid = roleVar ? f.text.match(new RegExp(`${roleVar}: '([0-9a-f-]{36})'`))?.[1] : undefined;
        return target !== undefined && nameText(target) === wanted && roleGuid === QUEUE_ROLE;
      }),
    );
    if (!granted)
      out.push(at(main.path, main.tree.rootNode, "event-queue-role", `no Storage Queue Data Contributor assignment is scoped to the queue ${wanted}`));
  }
  return out;
}
