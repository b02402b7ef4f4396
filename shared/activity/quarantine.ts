// The quarantine-risk gauge, from Entra's documented rule (application-provisioning-quarantine-status):
// escrow evaluation starts at 5,000 failures; then more than 40 % of events failing, or more than 40,000
// failures, quarantines the job. Invalid credentials quarantine it whatever the counts. We apply the rule
// to the last 24 h of this endpoint's answers (Entra's own window is its job's, which we cannot see). Pure.

export const EVALUATION_FAILURES = 5_000;
export const QUARANTINE_RATE = 0.4;
export const QUARANTINE_FAILURES = 40_000;

export type RiskLevel = "low" | "evaluation" | "quarantine";

export interface QuarantineRisk {
  level: RiskLevel;
  failures: number;
  requests: number;
  /** failures / requests (0 without requests). */
  failureRate: number;
  /** 401 answers: Entra quarantines on invalid credentials regardless of the counts. */
  credentialFailures: number;
  /** One sentence for a person. */
  summary: string;
}

const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
const n = (x: number) => x.toLocaleString("en");

export function quarantineRisk(requests: number, failures: number, credentialFailures: number): QuarantineRisk {
  const failureRate = requests > 0 ? failures / requests : 0;
  const level: RiskLevel =
    failures > QUARANTINE_FAILURES || (failures >= EVALUATION_FAILURES && failureRate > QUARANTINE_RATE)
      ? "quarantine"
      : failures >= EVALUATION_FAILURES
        ? "evaluation"
        : "low";
  const counts = `${n(failures)} failed of ${n(requests)} requests (${pct(failureRate)}) in the last 24 h`;
  const words: Record<RiskLevel, string> = {
    low: `Low risk: ${counts}; Entra starts evaluating at ${n(EVALUATION_FAILURES)} failures.`,
    evaluation: `Under evaluation: ${counts}; Entra quarantines above ${pct(QUARANTINE_RATE)} failing or ${n(QUARANTINE_FAILURES)} failures.`,
    quarantine: `Quarantine likely: ${counts}, past Entra's limit of ${pct(QUARANTINE_RATE)} failing or ${n(QUARANTINE_FAILURES)} failures.`,
  };
  const credentials =
    credentialFailures > 0 ? ` ${n(credentialFailures)} requests had an invalid credential: Entra quarantines on those whatever the counts.` : "";
  return { level, failures, requests, failureRate, credentialFailures, summary: words[level] + credentials };
}
