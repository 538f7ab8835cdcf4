/**
 * `branchnet serve <model>`: listen, print the URL, load and warm up the model, serve until
 * SIGTERM or SIGINT, then stop cleanly: no new connections, requests in flight finish, the
 * model is released, exit code 0. A second signal stops at once.
 */
import { initBackend } from '../../index.js';
import { readApiKeys, startServer } from '../../serve/index.js';
import type { ServeArgs } from '../parse.js';

export async function serveCommand(args: ServeArgs): Promise<number> {
  await initBackend({ backend: args.backend, threads: args.threads });
  const apiKeys = args.apiKeyFile ? await readApiKeys(args.apiKeyFile) : null;
  const server = await startServer({
    model: args.model, host: args.host, port: args.port, engine: args.engine, threads: args.threads,
    maxFiles: args.maxFiles, maxBodyBytes: args.maxBodyBytes, maxPixels: args.maxPixels,
    batchWindowMs: args.batchWindowMs, maxBatch: args.maxBatch, maxQueue: args.maxQueue, requestTimeoutMs: args.requestTimeoutMs,
    apiKeys, cors: args.cors ?? null, logger: { level: args.quiet ? 'warn' : 'info' },
  });
  const say = (m: string) => process.stderr.write(`branchnet serve: ${m}\n`);
  say(`listening on ${server.url} (${apiKeys ? `${apiKeys.length} API key(s) required` : 'no API key'}${args.cors ? `, CORS for ${args.cors}` : ''}); loading ${args.model}`);

  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => { stop = resolve; });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      say(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    stop(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const loaded = await Promise.race([server.ready.then(() => 'ready'), stopped]);
    if (loaded === 'ready') {
      const id = server.host.identity!;
      say(`ready: model ${id.name} (weights sha256 ${id.sha256.slice(0, 12)}…, engine ${server.host.describe()!.engine}) at ${server.url}`);
      say(`${await stopped}: stopping (finishing requests in flight)`);
    } else {
      say(`${loaded}: stopping`);
    }
  } finally {
    await server.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  say('stopped');
  return 0;
}
