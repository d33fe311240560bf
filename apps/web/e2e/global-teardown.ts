import fs from 'node:fs';

/** Removes the run's throwaway SQLite database (and its WAL files) and its build of the phone app. */
export default function globalTeardown(): void {
  const mobileDist = process.env.TANDEM_E2E_MOBILE_DIST;
  if (mobileDist) fs.rmSync(mobileDist, { recursive: true, force: true });
  const database = process.env.TANDEM_E2E_DATABASE;
  if (!database) return;
  for (const file of [database, `${database}-wal`, `${database}-shm`]) fs.rmSync(file, { force: true });
}
