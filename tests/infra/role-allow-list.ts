// The only Azure built-in roles the templates may assign, by role definition GUID. A role not listed
// here (Owner, Contributor, a broader data role) fails the checker; adding one is a reviewed change.
export const ALLOWED_ROLES: Readonly<Record<string, string>> = {
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner", // app: host storage (documented minimum)
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor", // pipeline: deployment container only
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor", // app: SCIM table, host diagnostics
  "d5a91429-5739-47e2-a06b-3470a27159e7": "EventGrid Data Sender", // app: the optional Event Grid topic only (publish CloudEvents)
  "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor", // app: the nudge queue and its poison queue only (send, trigger, poison moves)
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer", // app (signing keys), pipeline, operators
  "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User", // read-only alternative for the app
  "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher", // app: telemetry with Entra ID auth
  "de139f84-1756-47ae-9be6-808fbbe84772": "Website Contributor", // pipeline: code deploy to the site
};
