import fs from 'node:fs';

/** Removes the run's throwaway SQLite database (and its WAL files). */
export default function globalTeardown(): void {
  const database = process.env.TANDEM_E2E_DATABASE;
  if (!database) return;
  for (const file of [database, `${database}-wal`, `${database}-shm`]) fs.rmSync(file, { force: true });
}
