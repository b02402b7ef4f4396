// Test support: runs a bash script with stand-in commands (az, curl, the credential CLI) first on
// PATH, so pipeline scripts can be tested offline. Each stand-in logs its arguments to calls.log.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[];
}

export function runWithFakes(script: string, args: string[], fakes: Record<string, string>, env: Record<string, string> = {}): Run {
  const dir = mkdtempSync(path.join(os.tmpdir(), "infra-fakes-"));
  try {
    const log = path.join(dir, "calls.log");
    for (const [name, body] of Object.entries(fakes)) {
      const file = path.join(dir, name);
      writeFileSync(file, `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\n`);
      chmodSync(file, 0o755);
    }
    const r = spawnSync("bash", [script, ...args], {
      encoding: "utf8",
      env: { PATH: `${dir}:${String(process.env.PATH)}`, HOME: dir, FAKE_DIR: dir, ...env },
      timeout: 20_000,
    });
    const calls = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A stand-in that answers the n-th call with the n-th word of $<VAR> (the last word thereafter). */
export const sequenced = (counter: string, variable: string) => `
n=$(cat "$FAKE_DIR/${counter}" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$FAKE_DIR/${counter}"
read -r -a answers <<<"\${${variable}}"
i=$((n <= \${#answers[@]} ? n - 1 : \${#answers[@]} - 1))
answer=\${answers[$i]}`;
