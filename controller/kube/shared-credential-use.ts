// The one shape in which shared-credentials.ts and operator-identities.ts report a use, so that
// bounds.ts judges both alike.

/** One use of a cluster-wide credential holder (or an operator's own identity) by an object of an environment. */
export interface SharedCredentialUse {
  /** The field naming the holder (or asking for what it grants), said as a path. */
  readonly field: string;
  /**
   * The holder as `kubernetes.sharedCredentials` lists it: `Kind/name` of the cluster-scoped object
   * whose credentials the operator uses (`Kind/namespace/name` for another namespace's source, an
   * operator's own identity as `ACKController/s3`...); the name is `*` where the object picks
   * holders by label.
   */
  readonly holder: string;
  /** What the operator does with the holder's credentials for this object, said for a person. */
  readonly how: string;
}
