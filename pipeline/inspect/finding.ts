/** A setting inspect decided, with the evidence said beside it in the configuration. */
export interface Finding<T> {
  value: T;
  evidence: string;
}
