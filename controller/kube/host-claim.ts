// The shape of a host claim, apart from traffic-claims.ts so that cert-manager-claims.ts, which it
// calls, can name it without an import cycle.

/**
 * One host an object claims, with the field that claims it; no `host`: every host no one else
 * claims; `unreadable`: a rule whose hosts cannot be told with certainty, and why, with what to
 * write `instead` (naming the hosts it may claim).
 */
export interface HostClaim {
  readonly field: string;
  readonly host?: string;
  readonly unreadable?: string;
  readonly instead?: string;
}
