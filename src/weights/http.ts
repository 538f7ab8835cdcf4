/**
 * The HTTP transport of weight downloads: GET requests through undici, with the proxy taken from
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY (undici's EnvHttpProxyAgent), redirects followed by undici,
 * timeouts, and every failure told apart as a DownloadFailure (connect / transfer / http).
 */
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';

/** Why a download could not finish; the `cause` of the E_DOWNLOAD error downloadFile throws. */
export class DownloadFailure extends Error {
  constructor(
    /** connect: no connection at all (offline, DNS, refused); transfer: dropped or timed out; http: an error status. */
    readonly kind: 'connect' | 'transfer' | 'http',
    readonly url: string,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DownloadFailure';
  }
}

export interface HttpOptions {
  /** Redirects followed per request. */
  maxRedirects: number;
  /** Give up on a connection silent for this long, in ms (connecting, waiting for the answer, between body chunks). */
  timeoutMs: number;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY (or their lower-case forms) are read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** One answer, after redirects. Its body must be read to the end or discarded. */
export interface HttpResponse {
  /** The URL that answered (the last one of the redirects). */
  url: string;
  status: number;
  /** The reason phrase, e.g. "Not Found"; '' when the server (or a proxy in between) sent none. */
  statusText: string;
  header(name: string): string | undefined;
  /** The body in chunks. A silent server ends it with a retryable transfer DownloadFailure, a dropped connection with its own error. */
  body(): AsyncIterable<Buffer>;
  /** Reads and drops the body. */
  discard(): Promise<void>;
}

export interface HttpClient {
  /** One GET with these extra request headers, following redirects; rejects with a DownloadFailure. */
  get(url: string, headers?: Record<string, string>): Promise<HttpResponse>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** The proxy settings in `env`, as curl reads them: lower-case names first; '' where unset. */
export function proxyEnv(env: NodeJS.ProcessEnv = process.env): { httpProxy: string; httpsProxy: string; noProxy: string } {
  return {
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? '',
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
}

const CONNECT_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ETIMEDOUT']);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);
const REDIRECTS = new Set([300, 301, 302, 303, 307, 308]);
const seconds = (ms: number): string => `${ms / 1000} s`;

/** A failure before any answer, told apart by its code. */
function beforeAnswer(e: unknown, url: string, timeoutMs: number): DownloadFailure {
  if (e instanceof DownloadFailure) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? '';
  const host = new URL(url).host;
  if (TIMEOUT_CODES.has(code)) return new DownloadFailure('connect', url, `no answer from ${host} within ${seconds(timeoutMs)}`, true);
  if (CONNECT_CODES.has(code)) return new DownloadFailure('connect', url, `could not connect to ${host} (${err.message})`, true);
  if (/CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS/.test(code)) return new DownloadFailure('connect', url, `TLS certificate problem with ${host} (${err.message})`, false);
  if (code === 'UND_ERR_INVALID_ARG') return new DownloadFailure('http', url, err.message, false);
  return new DownloadFailure('transfer', url, `connection failed (${err.message})`, true);
}

/**
 * An HTTP client for one download: the proxy from the environment (an http:// URL goes to the
 * proxy as an absolute-form request, an https:// one through a CONNECT tunnel; NO_PROXY hosts
 * are reached directly), at most `maxRedirects` redirects, never from https to http.
 * @example const c = httpClient({ maxRedirects: 5, timeoutMs: 30_000 }); const r = await c.get(url); for await (const b of r.body()) …; await c.close();
 */
export function httpClient(opts: HttpOptions): HttpClient {
  const agent = new EnvHttpProxyAgent({ ...proxyEnv(opts.env), proxyTunnel: false, connect: { timeout: opts.timeoutMs } });
  const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: opts.maxRedirects }));
  const timeouts = { headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs };

  async function get(url: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const protocol = new URL(url).protocol;
    if (protocol !== 'http:' && protocol !== 'https:') throw new DownloadFailure('http', url, `unsupported URL scheme ${protocol}`, false);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { dispatcher, ...timeouts, headers: { 'user-agent': 'branchnet', 'accept-encoding': 'identity', ...headers } });
    } catch (e) {
      throw beforeAnswer(e, url, opts.timeoutMs);
    }
    const discard = async (): Promise<void> => {
      await res.body.dump().catch(() => undefined);
    };
    // undici lists every URL it asked, the first one included.
    const history = ((res.context as { history?: URL[] } | undefined)?.history ?? []).map(String);
    const hops = history.length > 0 ? history : [url];
    const at = hops.at(-1)!;
    for (let i = 1; i < hops.length; i++) {
      if (hops[i - 1]!.startsWith('https:') && !hops[i]!.startsWith('https:')) {
        await discard();
        throw new DownloadFailure('http', hops[i - 1]!, `refusing a redirect from https to ${hops[i]}`, false, res.statusCode);
      }
    }
    const header = (name: string): string | undefined => {
      const v = res.headers[name.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    };
    if (REDIRECTS.has(res.statusCode)) {
      // undici hands a redirect back when it stops following: no Location, or too many hops.
      const location = header('location');
      await discard();
      if (!location) throw new DownloadFailure('http', at, `answered HTTP ${res.statusCode} without a Location header`, false, res.statusCode);
      throw new DownloadFailure('http', url, `more than ${opts.maxRedirects} redirects (last to ${location})`, false, res.statusCode);
    }
    return {
      url: at,
      status: res.statusCode,
      statusText: res.statusText ?? '',
      header,
      discard,
      async *body() {
        try {
          for await (const chunk of res.body) yield chunk as Buffer;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'UND_ERR_BODY_TIMEOUT') throw new DownloadFailure('transfer', at, `no data for ${seconds(opts.timeoutMs)}`, true);
          throw e;
        }
      },
    };
  }

  return { get, close: () => agent.destroy() };
}
