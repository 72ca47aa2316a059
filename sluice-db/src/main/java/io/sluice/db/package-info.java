/** The database manager: the only process that touches the database (see JSON-CALLS.md in sluice-protocol). */
package io.sluice.db;
