// The pipeline's shell steps, run offline against stand-in az, curl and credential CLI: the first
// credential is minted once and never printed; the smoke test insists on 200 then 401 over TLS 1.2.
import path from "node:path";
import { REPO_ROOT } from "./infra-sources";
import { runWithFakes, sequenced } from "./fake-commands";

const MINT = path.join(REPO_ROOT, "infra/scripts/mint-first-credential.sh");
const SMOKE = path.join(REPO_ROOT, "infra/scripts/smoke-test.sh");
const ARGS = ["contoso", "kv-contoso-abc", "https://kv-contoso-abc.vault.azure.net/"];
const LEAKED = "sft_0123456789abcdef.THIS-MUST-NEVER-BE-LOGGED";

// az answers `secret list` with $SECRETS, failing (exit 1) while the $AZ_RESULTS word is "fail".
const az = `${sequenced("az.count", "AZ_RESULTS")}
if [[ $answer == fail ]]; then echo "Forbidden" >&2; exit 1; fi
printf '%s\\n' $SECRETS`;
// The CLI records its environment and prints a token, as a careless CLI might.
const cli = `echo "SCIM_KEY_VAULT_URI=$SCIM_KEY_VAULT_URI" >> "$FAKE_DIR/calls.log"; echo "${LEAKED}"`;
const mint = (env: Record<string, string>) =>
  runWithFakes(MINT, ARGS, { az, "fake-cli": cli }, { SCIM_CREDENTIALS_CLI: "fake-cli", SCIM_RBAC_WAIT_SECONDS: "0", AZ_RESULTS: "ok", SECRETS: "", ...env });

describe("mint-first-credential.sh", () => {
  test("mints into the hand-over secret when the vault has no credential, without printing the token", () => {
    const r = mint({ SECRETS: "oauth-signing-keys" });
    expect(r.status).toBe(0);
    expect(r.calls).toContain("fake-cli token create --tenant contoso --label entra --handover-secret scim-handover-contoso");
    expect(r.calls).toContain("SCIM_KEY_VAULT_URI=https://kv-contoso-abc.vault.azure.net/");
    expect(r.stdout + r.stderr).not.toContain(LEAKED);
    expect(r.stdout).toContain("az keyvault secret show --vault-name kv-contoso-abc --name scim-handover-contoso");
  });

  test("does not mint again when a credential exists", () => {
    const r = mint({ SECRETS: "oauth-signing-keys cred-0123456789abcdef" });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("fake-cli"))).toEqual([]);
  });

  test("does not mint again while the hand-over secret waits to be collected", () => {
    const r = mint({ SECRETS: "scim-handover-contoso" });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("fake-cli"))).toEqual([]);
  });

  test("waits for a fresh role assignment to reach Key Vault", () => {
    const r = mint({ AZ_RESULTS: "fail fail ok" });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("az keyvault secret list"))).toHaveLength(3);
    expect(r.calls.filter((c) => c.startsWith("fake-cli"))).toHaveLength(1);
  });

  test("fails, without minting, when the vault stays unreadable", () => {
    const r = mint({ AZ_RESULTS: "fail", SCIM_RBAC_TRIES: "3" });
    expect(r.status).toBe(1);
    expect(r.calls.filter((c) => c.startsWith("fake-cli"))).toEqual([]);
  });
});

// curl prints the status for the URL it is asked about: $SPC, $USERS or $HEALTH.
const curl = `url=\${@: -1}
case $url in
  */scim/v2/ServiceProviderConfig) ${sequenced("spc.count", "SPC")} ;;
  */scim/v2/Users) ${sequenced("users.count", "USERS")} ;;
  */health) ${sequenced("health.count", "HEALTH")} ;;
  *) answer=000 ;;
esac
printf '%s' "$answer"`;
const smoke = (env: Record<string, string>, url = "https://func-scim-contoso-abc.azurewebsites.net/scim/v2") =>
  runWithFakes(SMOKE, [url], { curl }, { SMOKE_WAIT_SECONDS: "0", SPC: "200", USERS: "401", HEALTH: "200", ...env });

describe("smoke-test.sh", () => {
  test("passes on 200 for discovery, 401 for /Users and 200 for /health, over TLS 1.2", () => {
    const r = smoke({});
    expect(r.status).toBe(0);
    const host = "https://func-scim-contoso-abc.azurewebsites.net";
    expect(r.calls.map((c) => c.split(" ").pop())).toEqual([`${host}/scim/v2/ServiceProviderConfig`, `${host}/scim/v2/Users`, `${host}/health`]);
    for (const c of r.calls) expect(c).toMatch(/--proto =https --tlsv1\.2 --tls-max 1\.2 https:/);
  });

  test("waits while the app starts (no answer, 404, 503) and while its Key Vault role propagates", () => {
    const r = smoke({ SPC: "000 404 503 200", HEALTH: "503 200" });
    expect(r.status).toBe(0);
    expect(r.calls).toHaveLength(7);
  });

  test("fails at once when /Users answers without a token", () => {
    const r = smoke({ USERS: "200" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("answered 200, expected 401");
    expect(r.calls).toHaveLength(2);
  });

  test("fails when the endpoint never comes up", () => {
    expect(smoke({ SPC: "503", SMOKE_TRIES: "3" }).status).toBe(1);
  });

  test("refuses a plain-HTTP tenant URL", () => {
    const r = smoke({}, "http://func-scim-contoso-abc.azurewebsites.net/scim/v2");
    expect(r.status).toBe(1);
    expect(r.calls).toEqual([]);
  });
});
