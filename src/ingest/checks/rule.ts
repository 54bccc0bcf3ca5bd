/** A named SQL condition every ingested record must satisfy; a record failing it is quarantined. */
export interface Rule {
  name: string;
  /** A SQL boolean expression over the table's columns, e.g. "amount >= 0". */
  sql: string;
}
