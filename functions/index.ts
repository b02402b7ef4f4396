// Azure Functions entry point (package.json "main"): one app.http per entry of the route table.
import { app } from "@azure/functions";
import { routes } from "../shared/http/routes";
import { azureHandler } from "./azure-adapter";

// Streams let a 100,000-member group leave as it is read (ScimResponse.stream).
app.setup({ enableHttpStream: true });

for (const route of routes) {
  app.http(route.name, { methods: route.methods, route: route.route, authLevel: "anonymous", handler: azureHandler(route) });
}
