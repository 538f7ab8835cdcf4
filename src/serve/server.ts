/**
 * A listening server: build the app, listen (loopback unless told otherwise), then load and warm
 * up the model in the background, so /healthz answers at once and /readyz turns 200 when the
 * model can answer. `close()` stops accepting connections, lets the requests in flight finish,
 * drains the batcher and releases the model.
 */
import { BranchnetError, SERVE_DEFAULTS, fail, type PredictorOptions } from '../index.js';
import { buildServer, type ServeSettings } from './app.js';
import { ModelHost } from './model_host.js';
import type { FastifyInstance } from 'fastify';

export interface ServeOptions extends Partial<ServeSettings> {
  /** The model directory. */
  model: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  engine?: PredictorOptions['engine'];
  threads?: number;
  winograd?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  host: ModelHost;
  /** http://host:port, as bound. */
  url: string;
  /** Resolves once the model is loaded and warmed up; rejects if it cannot be. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Listen and start loading the model.
 * @example const s = await startServer({ model: 'runs/a', port: 0 }); await s.ready; console.log(s.url); await s.close();
 */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = new ModelHost(opts.model, { engine: opts.engine, threads: opts.threads, winograd: opts.winograd });
  await host.checkFiles();
  const app = await buildServer(host, opts);
  const bindHost = opts.host ?? SERVE_DEFAULTS.host;
  const port = opts.port ?? SERVE_DEFAULTS.port;
  try {
    await app.listen({ host: bindHost, port });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    fail('E_SERVE', `cannot listen on ${bindHost}:${port} (${code}); ${code === 'EADDRINUSE' ? 'another process uses that port: pick another with --port' : 'check --host and --port'}`);
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${bound}`;
  const ready = host.load();
  ready.catch((err) => {
    if (err instanceof BranchnetError) app.log.error({ code: err.code }, `model failed to load: ${err.message}`);
    else app.log.error({ err }, 'model failed to load');
  });
  return { app, host, url, ready, close: () => app.close() };
}
