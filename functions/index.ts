// Azure Functions entry point (package.json "main"): the service built once from the app settings, then
// one app.http per entry of the route table, and the two triggers that deliver change events.
import { app } from "@azure/functions";
import { routes } from "../shared/http/routes";
import { createService, settingsFromEnvironment } from "../shared/root";
import { azureHandler } from "./azure-adapter";

const service = createService(settingsFromEnvironment());

// Streams let a 100,000-member group leave as it is read (ScimResponse.stream).
app.setup({ enableHttpStream: true });

for (const route of routes) {
  app.http(route.name, { methods: route.methods, route: route.route, authLevel: "anonymous", handler: azureHandler(service.pipeline, route) });
}

// Change events (shared/events/jobs.ts). The queue's name and the sweeper's NCRONTAB schedule are app
// settings, resolved by the host (%…%); the queue is reached through the host's storage connection
// (AzureWebJobsStorage__queueServiceUri, managed identity). A message whose dispatch keeps failing moves to
// "<queue>-poison" after host.json's maxDequeueCount; the sweeper dispatches its tenant regardless.
app.storageQueue("eventNudge", {
  queueName: "%SCIM_EVENT_QUEUE%",
  connection: "AzureWebJobsStorage",
  handler: async (message) => {
    await service.eventJobs.onNudge(message);
  },
});
app.timer("eventSweep", {
  schedule: "%SCIM_EVENT_SWEEP_SCHEDULE%",
  handler: async () => {
    await service.eventJobs.sweep();
  },
});

// An instance being recycled exports what telemetry still buffers (spans every 5 s, metrics every 60 s)
// and writes the activity it gathered (flushed every 2 s).
app.hook.appTerminate(() => Promise.all([service.telemetry.shutdown(), service.activity.close()]).then(() => undefined));
