/**
 * `branchnet check <data>`: the data check train runs first, as a table or JSON.
 * Exit code 0 when training could start (warnings and notes only), 1 when a fatal problem
 * would make train refuse the data set; user errors (no such folder) exit 2 as everywhere.
 */
import { checkData, formatCheckReport } from '../../index.js';
import type { CheckArgs } from '../parse.js';

export async function checkCommand(args: CheckArgs): Promise<number> {
  const { report, manifest } = await checkData(args.data, { heads: args.heads, skipInvalidFolders: args.skipInvalidFolders });
  process.stdout.write(args.json ? JSON.stringify(report, null, 2) + '\n' : formatCheckReport(report, manifest?.root ?? args.data));
  return report.ok ? 0 : 1;
}
