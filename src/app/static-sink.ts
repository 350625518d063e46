/**
 * @module
 * The StaticSink: serves the files under one root directory at a URL
 * prefix — from a fetch application (as a handler, or as middleware that
 * falls through on a miss), from a Steward (as a responder), and from
 * `hio serve DIR`.
 *
 * A request path is checked by {@link staticPath} (decoded once; NUL,
 * backslashes, encoded slashes, dot segments and, by default, dotfiles
 * refused) and joined under the root by {@link joinUnder}; a symlink that
 * leads out of the root is not followed unless allowed. A directory asked
 * for without its trailing slash is redirected to the same path with it —
 * a location built from the checked segments only, never from the raw URL —
 * and answered by its index file, else by a listing when listings are on
 * (every name escaped). `extensions` lets `/about` find `about.html`, and
 * `spa` answers a path without an extension that names nothing with the
 * root's `index.html`. The file itself goes out through {@link sendFile}:
 * streamed while the connection drains, with validators, ranges and
 * compression. Nothing an answer says holds a file-system path.
 *
 * Only GET and HEAD are answered (and OPTIONS with `cors`); anything else,
 * and any path outside the prefix or naming nothing, is a miss: `serve()`
 * resolves null, the handler answers its fallback, the middleware calls
 * `next()`.
 */
import { resolve } from 'node:path';
import escapeHtml from 'escape-html';
import { HioError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { FileError, type FileSource } from '../fs/file-source.js';
import { NodeFileSource } from '../fs/node-file-source.js';
import type { Remoter } from '../net/connection.js';
import type { Request as HttpRequest } from '../http/request.js';
import type { Responder } from '../http/responder.js';
import type { ResponseWriter } from '../http/response-writer.js';
import type { StewardHost } from '../http/steward-host.js';
import { reasonPhrase } from '../http/status.js';
import { fetchResponder } from './app-server.js';
import { FileResponder } from './file-responder.js';
import { LightRequest } from './light-request.js';
import type { FetchHandler } from './fetch-responder.js';
import { FILE_OPTION_NAMES, sendFile, type FileResponseOptions } from './file-response.js';
import { directoryRedirect, isUnder, joinUnder, staticPath } from './static-path.js';

/** Options of a {@link StaticSink}. */
export interface StaticSinkOptions extends Omit<FileResponseOptions, 'source' | 'contentType' | 'attachment'> {
  /** The directory served (absolute, or relative to the working directory for the node:fs source). */
  readonly root: string;
  /** The URL prefix the root is served at (default "/"). */
  readonly prefix?: string;
  /** Where the files come from (default: node:fs). */
  readonly source?: FileSource;
  /** Index files of a directory, tried in order (default ["index.html"]; false for none). */
  readonly index?: readonly string[] | false;
  /** Extensions tried when a path names nothing: ["html"] lets /about answer about.html (default none). */
  readonly extensions?: readonly string[];
  /** Answer a path without an extension that names nothing with this file of the root (true: "index.html"). */
  readonly spa?: boolean | string;
  /** List a directory without an index file as HTML (default false). */
  readonly listing?: boolean;
  /** Names starting with ".": "ignore" answers as if absent (default), "deny" 403, "allow" serves them. */
  readonly dotfiles?: 'ignore' | 'allow' | 'deny';
  /** Follow symlinks that lead out of the root (default false: such a path answers 404). */
  readonly followSymlinks?: boolean;
  /** Add `Access-Control-Allow-Origin: *` and answer CORS preflights (default false). */
  readonly cors?: boolean;
}

/** Its own options, and those of the file answers it gives but the three it decides itself. */
const KNOWN: readonly string[] = [
  'root',
  'prefix',
  'index',
  'extensions',
  'spa',
  'listing',
  'dotfiles',
  'followSymlinks',
  'cors',
  ...FILE_OPTION_NAMES.filter((name) => name !== 'contentType' && name !== 'attachment'),
];

/** Serves the files under one root directory at a URL prefix. */
export class StaticSink {
  /** The directory served, made absolute. */
  readonly root: string;
  /** The URL prefix, always ending in "/". */
  readonly prefix: string;
  readonly #source: FileSource;
  readonly #index: readonly string[];
  readonly #extensions: readonly string[];
  readonly #spa: string | null;
  readonly #listing: boolean;
  readonly #dotfiles: 'ignore' | 'allow' | 'deny';
  readonly #followSymlinks: boolean;
  readonly #cors: boolean;
  readonly #send: FileResponseOptions;
  /** The root with its symlinks resolved, found once. */
  #realRoot: Promise<string | null> | null = null;

  constructor(options: StaticSinkOptions) {
    checkOptions('StaticSink', options, KNOWN);
    if (typeof options.root !== 'string' || options.root === '') throw new HioError('HIO_ERR_INVALID_OPTION', 'StaticSink: root must be a directory path');
    const prefix = options.prefix ?? '/';
    if (!prefix.startsWith('/') || prefix.startsWith('//') || staticPath(prefix).ok !== true) {
      throw new HioError('HIO_ERR_INVALID_OPTION', 'StaticSink: prefix must be a plain path starting with "/"');
    }
    const spa = options.spa ?? false;
    if (typeof spa === 'string' && (spa === '' || spa.includes('/') || spa.startsWith('.'))) {
      throw new HioError('HIO_ERR_INVALID_OPTION', 'StaticSink: spa must be the name of a file in the root');
    }
    const { root, prefix: _prefix, source, index, extensions, spa: _spa, listing, dotfiles, followSymlinks, cors, ...send } = options;
    for (const extension of extensions ?? []) {
      if (!/^[A-Za-z0-9]+$/.test(extension)) throw new HioError('HIO_ERR_INVALID_OPTION', 'StaticSink: an extension is letters and digits, without a dot');
    }
    for (const name of index === false ? [] : (index ?? [])) {
      if (name === '' || name.includes('/') || name.startsWith('.')) throw new HioError('HIO_ERR_INVALID_OPTION', 'StaticSink: an index is a file name');
    }
    // Resolved once: a relative root means the working directory's, as the CLI takes it.
    this.root = resolve(root);
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.#source = source ?? new NodeFileSource();
    this.#index = index === false ? [] : (index ?? ['index.html']);
    this.#extensions = extensions ?? [];
    this.#spa = spa === true ? 'index.html' : spa === false ? null : spa;
    this.#listing = listing ?? false;
    this.#dotfiles = dotfiles ?? 'ignore';
    this.#followSymlinks = followSymlinks ?? false;
    this.#cors = cors ?? false;
    const headers = new Headers(send.headers);
    if (this.#cors) headers.set('access-control-allow-origin', '*');
    this.#send = { ...send, source: this.#source, headers };
  }

  /**
   * Answers `request` from the files, or resolves null for a miss (a method
   * other than GET and HEAD, a path outside the prefix, nothing there).
   */
  async serve(request: Request): Promise<Response | null> {
    const found = await this.resolve(request);
    return found === null || found instanceof Response ? found : sendFile(request, found.file, this.#send);
  }

  /**
   * @internal What `request` finds: a file to answer with, an answer of the
   * sink's own (a redirect, a listing, a refusal), or null for a miss.
   */
  async resolve(request: Request): Promise<Response | { readonly file: string } | null> {
    try {
      return await this.#resolve(request);
    } catch (error) {
      // A file the server may not read is forbidden; any other failure is the server's (500, reported once).
      if (error instanceof FileError && error.reason === 'denied') return this.#refuse(403);
      throw error;
    }
  }

  async #resolve(request: Request): Promise<Response | { readonly file: string } | null> {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') {
      if (method === 'OPTIONS' && this.#cors && this.#within(rawPathname(request.url))) return this.#preflight();
      return null;
    }
    const pathname = rawPathname(request.url);
    if (!this.#within(pathname)) {
      // The prefix itself without its slash: the directory it names.
      if (`${pathname}/` === this.prefix) return this.#redirect([]);
      return null;
    }
    const verdict = staticPath(pathname.slice(this.prefix.length - 1), { dotfiles: this.#dotfiles });
    if (!verdict.ok) return verdict.status === 404 ? null : this.#refuse(verdict.status);
    const { segments, directory } = verdict;
    const target = joinUnder(this.root, segments);
    if (target === null) return null;
    const stat = await this.#source.stat(target);
    if (stat?.kind === 'directory') {
      if (!directory) return this.#redirect(segments);
      for (const name of this.#index) {
        const index = joinUnder(this.root, [...segments, name]);
        if (index === null) continue;
        if ((await this.#source.stat(index))?.kind === 'file') return this.#file(index);
      }
      if (this.#listing && (await this.#contained(target))) return this.#list(request, target, segments);
      return null;
    }
    if (stat?.kind === 'file' && !directory) return this.#file(target);
    if (stat === null && !directory) {
      for (const extension of this.#extensions) {
        const candidate = `${target}.${extension}`;
        if ((await this.#source.stat(candidate))?.kind === 'file') return this.#file(candidate);
      }
      const last = segments[segments.length - 1] ?? '';
      if (this.#spa !== null && !last.includes('.')) {
        const fallback = joinUnder(this.root, [this.#spa]);
        if (fallback !== null && (await this.#source.stat(fallback))?.kind === 'file') return this.#file(fallback);
      }
    }
    return null;
  }

  /** A fetch handler answering from the files, else with `fallback` (default: 404). */
  handler(fallback: FetchHandler = notFound): FetchHandler {
    return async (request, info) => (await this.serve(request)) ?? fallback(request, info);
  }

  /** Middleware: answers from the files, else calls `next`. */
  middleware(): (request: Request, next: () => Response | Promise<Response>) => Promise<Response> {
    return async (request, next) => (await this.serve(request)) ?? next();
  }

  /**
   * For a Steward's `respond`: a responder answering `request` from the
   * files, 404 on a miss. A file goes out through a {@link FileResponder},
   * straight onto the connection.
   */
  responder(host: StewardHost, connection: Remoter, request: HttpRequest): Responder {
    return new SinkResponder(this, this.#send, host, connection, request);
  }

  #within(pathname: string): boolean {
    return pathname.startsWith(this.prefix);
  }

  /** Whether `path` (a file or directory under the root) may be served: its real path stays under the real root, unless symlinks may lead out. */
  async #contained(path: string): Promise<boolean> {
    if (this.#followSymlinks) return true;
    this.#realRoot ??= this.#source.realpath(this.root);
    const [realRoot, real] = await Promise.all([this.#realRoot, this.#source.realpath(path)]);
    return realRoot !== null && real !== null && isUnder(realRoot, real);
  }

  async #file(path: string): Promise<{ readonly file: string } | null> {
    return (await this.#contained(path)) ? { file: path } : null;
  }

  #redirect(segments: readonly string[]): Response {
    const location = directoryRedirect(this.prefix, segments);
    return new Response(`Moved to ${location}\n`, { status: 301, headers: this.#headers({ location, 'content-type': 'text/plain; charset=utf-8' }) });
  }

  #refuse(status: 400 | 403 | 414): Response {
    const text = `${status} ${reasonPhrase(status)}\n`;
    return new Response(text, { status, headers: this.#headers({ 'content-type': 'text/plain; charset=utf-8' }) });
  }

  #preflight(): Response {
    return new Response(null, {
      status: 204,
      headers: this.#headers({ 'access-control-allow-methods': 'GET, HEAD, OPTIONS', 'access-control-max-age': '86400' }),
    });
  }

  #headers(fields: Record<string, string>): Headers {
    const headers = new Headers(fields);
    if (this.#cors) headers.set('access-control-allow-origin', '*');
    return headers;
  }

  /** A directory listing: every name escaped as HTML and encoded as a link. */
  async #list(request: Request, path: string, segments: readonly string[]): Promise<Response | null> {
    const entries = await this.#source.list(path);
    if (entries === null) return null;
    const shown = this.#dotfiles === 'allow' ? entries : entries.filter((entry) => !entry.name.startsWith('.'));
    const title = escapeHtml(`Index of ${this.prefix}${segments.map((segment) => `${segment}/`).join('')}`);
    const rows = shown.map((entry) => {
      const name = entry.kind === 'directory' ? `${entry.name}/` : entry.name;
      const href = encodeURIComponent(entry.name) + (entry.kind === 'directory' ? '/' : '');
      return `<li><a href="./${escapeHtml(href)}">${escapeHtml(name)}</a></li>`;
    });
    if (segments.length > 0) rows.unshift('<li><a href="../">../</a></li>');
    const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body><h1>${title}</h1>\n<ul>\n${rows.join('\n')}\n</ul></body></html>\n`;
    return new Response(request.method === 'HEAD' ? null : html, {
      headers: this.#headers({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }),
    });
  }
}

/** A request answered by a StaticSink below the fetch layer: the file by a FileResponder, anything else as the fetch path would. */
class SinkResponder implements Responder {
  readonly #sink: StaticSink;
  readonly #send: FileResponseOptions;
  readonly #host: StewardHost;
  readonly #connection: Remoter;
  readonly #request: HttpRequest;
  #inner: Responder | null = null;
  #started = false;
  #failure: { readonly error: unknown } | null = null;
  #abandoned = false;

  constructor(sink: StaticSink, send: FileResponseOptions, host: StewardHost, connection: Remoter, request: HttpRequest) {
    this.#sink = sink;
    this.#send = send;
    this.#host = host;
    this.#connection = connection;
    this.#request = request;
  }

  pour(writer: ResponseWriter): boolean {
    if (this.#inner !== null) return this.#inner.pour(writer);
    if (this.#failure !== null) throw this.#failure.error;
    if (this.#started) return false;
    this.#started = true;
    writer.suspend();
    const request = this.#request;
    const url = `http://${request.headers.get('host') ?? 'localhost'}${request.target}`;
    this.#sink.resolve(new LightRequest(request, url) as unknown as Request).then(
      (found) => {
        if (this.#abandoned) return;
        if (found !== null && !(found instanceof Response)) this.#inner = new FileResponder(request, found.file, this.#send);
        else this.#inner = fetchResponder(this.#host, this.#connection, request, () => found ?? notFound());
        writer.resume();
      },
      (error: unknown) => {
        this.#failure = { error };
        writer.resume();
      },
    );
    return false;
  }

  abandon(): void {
    this.#abandoned = true;
    this.#inner?.abandon?.();
  }
}

/** The path of a URL as sent, still percent-encoded: no WHATWG normalisation, which would resolve dot segments before they are checked. */
export function rawPathname(url: string): string {
  let start = 0;
  const scheme = url.indexOf('://');
  if (scheme >= 0) {
    const slash = url.indexOf('/', scheme + 3);
    if (slash < 0) return '/';
    start = slash;
  }
  let end = url.length;
  const query = url.indexOf('?', start);
  if (query >= 0) end = query;
  const fragment = url.indexOf('#', start);
  if (fragment >= 0 && fragment < end) end = fragment;
  return url.slice(start, end);
}

function notFound(): Response {
  return new Response('404 Not Found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
