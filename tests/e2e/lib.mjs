// Shared helpers for the Node end-to-end suites (node --test).
//
// startLeadline() runs `leadline apikey create e2e --db URL` (secret = last line
// of stdout), then `leadline serve --db URL --addr 127.0.0.1:0`, and waits for
// the stdout line "listening on http://127.0.0.1:PORT".
//
// Environment:
//   LEADLINE_BIN  path to the binary (default: target/debug/leadline in the repo)
//   E2E_DB        database URL (default: sqlite://<tmpdir>/e2e.db)
//   E2E_LOG_DIR   where the server's output is written (default: the tmpdir)

import { spawn, execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, existsSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import http from 'node:http';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.LEADLINE_BIN
  ? path.resolve(process.env.LEADLINE_BIN)
  : path.join(REPO_ROOT, 'target', 'debug', 'leadline');

const START_TIMEOUT_MS = 30_000;
const CLI_TIMEOUT_MS = 60_000;
const HTTP_TIMEOUT_MS = 15_000;
const LISTENING_RE = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;]*[A-Za-z]/g;

const CHILD_ENV = { NO_COLOR: '1', RUST_BACKTRACE: '1', ...process.env };

/** Poll fn() until it returns a truthy value (bounded); return that value. */
export async function waitFor(fn, { timeout = 15_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Run `leadline ...args --db db`; resolve stdout, reject with stderr. */
export function runCli(db, args) {
  if (!existsSync(BIN)) {
    return Promise.reject(new Error(`leadline binary not found at ${BIN} (set LEADLINE_BIN or run cargo build)`));
  }
  const argv = [...args, '--db', db];
  return new Promise((resolve, reject) => {
    execFile(BIN, argv, { timeout: CLI_TIMEOUT_MS, env: CHILD_ENV, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`\`${BIN} ${argv.join(' ')}\` failed (${err.code ?? err.signal}):\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

export class HttpError extends Error {}

export class Leadline {
  constructor({ name = 'e2e', db } = {}) {
    this.name = name;
    this.tmp = mkdtempSync(path.join(tmpdir(), `leadline-${name}-`));
    this.db = db ?? process.env.E2E_DB ?? `sqlite://${this.tmp}/e2e.db`;
    const logDir = process.env.E2E_LOG_DIR ?? this.tmp;
    mkdirSync(logDir, { recursive: true });
    this.logPath = path.join(logDir, `${name}-server.log`);
    this.lines = [];
    this.base = null;
    this.apiKey = null;
    this.proc = null;
  }

  cli(...args) {
    return runCli(this.db, args);
  }

  async createApiKey(name = 'e2e') {
    const out = await this.cli('apikey', 'create', name);
    const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
    if (!lines.length) throw new Error(`\`leadline apikey create ${name}\` printed nothing on stdout`);
    return lines[lines.length - 1];
  }

  /** setup: extra CLI argument lists run (with --db) before the server starts. */
  async start({ setup = [] } = {}) {
    this.apiKey = await this.createApiKey('e2e');
    for (const args of setup) await this.cli(...args);
    const argv = ['serve', '--db', this.db, '--addr', '127.0.0.1:0'];
    this.log = createWriteStream(this.logPath, { flags: 'a' });
    this.log.write(`$ ${BIN} ${argv.join(' ')}\n`);
    const proc = spawn(BIN, argv, { env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));

    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`\`leadline serve\` did not print 'listening on http://127.0.0.1:PORT' within ${START_TIMEOUT_MS} ms; output:\n${this.tail()}`)),
        START_TIMEOUT_MS,
      );
      const onLine = (tag) => (raw) => {
        const line = raw.replace(ANSI_RE, '');
        this.lines.push(`[${tag}] ${line}`);
        this.log.write(`[${tag}] ${line}\n`);
        if (tag === 'out' && !this.base) {
          const m = LISTENING_RE.exec(line);
          if (m) {
            this.base = m[1];
            clearTimeout(timer);
            resolve(this.base);
          }
        }
      };
      // Keep reading both streams for the server's whole life so it never blocks on a full pipe.
      readline.createInterface({ input: proc.stdout }).on('line', onLine('out'));
      readline.createInterface({ input: proc.stderr }).on('line', onLine('err'));
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${BIN}: ${err.message}`));
      });
      proc.once('exit', (code, signal) => {
        if (!this.base) {
          clearTimeout(timer);
          // Let readline deliver the last lines first.
          setImmediate(() => reject(new Error(`\`leadline serve\` exited (${code ?? signal}) before listening; output:\n${this.tail()}`)));
        }
      });
    });
    try {
      await ready;
    } catch (err) {
      await this.stop();
      throw err;
    }
    return this;
  }

  tail(n = 60) {
    return this.lines.slice(-n).join('\n');
  }

  async stop() {
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(killer);
    }
    if (this.log) await new Promise((r) => this.log.end(r));
  }

  /** fetch against the server; returns { status, headers, text, json() }. */
  async request(method, urlPath, { body, headers = {}, auth = true } = {}) {
    const url = urlPath.startsWith('http') ? urlPath : this.base + urlPath;
    const h = { accept: 'application/json', ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (auth && this.apiKey) h.authorization = `Bearer ${this.apiKey}`;
    let res;
    try {
      res = await fetch(url, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
        redirect: 'manual',
      });
    } catch (err) {
      throw new HttpError(`${method} ${url} failed: ${err.message}\nserver output:\n${this.tail(30)}`);
    }
    const text = await res.text();
    const out = {
      method,
      url,
      status: res.status,
      headers: res.headers,
      text,
      json() {
        try {
          return JSON.parse(text);
        } catch {
          throw new HttpError(`${method} ${url} -> ${res.status}: body is not JSON: ${text.slice(0, 500)}`);
        }
      },
      expect(...statuses) {
        if (!statuses.includes(res.status)) {
          throw new HttpError(`${method} ${url} -> HTTP ${res.status}, expected ${statuses.join('/')}; body: ${text.slice(0, 500)}`);
        }
        return out;
      },
    };
    return out;
  }

  get(p, opts) {
    return this.request('GET', p, opts);
  }

  post(p, body, opts = {}) {
    return this.request('POST', p, { ...opts, body });
  }

  async createSource(name = 'web') {
    const src = (await this.post('/api/v1/sources', { name })).expect(201).json();
    for (const k of ['id', 'name', 'write_key']) {
      if (!(k in src)) throw new Error(`POST /api/v1/sources answer lacks "${k}": ${JSON.stringify(src)}`);
    }
    return src;
  }

  async findLeads(email) {
    const page = (await this.get(`/api/v1/leads?q=${encodeURIComponent(email)}`)).expect(200).json();
    if (!page || !Array.isArray(page.items)) throw new Error(`GET /api/v1/leads: unexpected shape ${JSON.stringify(page)}`);
    return page;
  }

  async activities(leadId) {
    const page = (await this.get(`/api/v1/leads/${encodeURIComponent(leadId)}/activities`)).expect(200).json();
    if (!page || !Array.isArray(page.items)) throw new Error(`activities: unexpected shape ${JSON.stringify(page)}`);
    return page.items;
  }

  /** Exactly one lead with this email; returns it. */
  async oneLead(email) {
    const page = await this.findLeads(email);
    if (page.items.length !== 1) {
      throw new Error(`GET /api/v1/leads?q=${email}: expected exactly one lead, got ${page.items.length}: ${JSON.stringify(page)}`);
    }
    if (page.next !== null) throw new Error(`GET /api/v1/leads?q=${email}: expected next=null: ${JSON.stringify(page)}`);
    const lead = page.items[0];
    if (lead.email !== email) throw new Error(`lead email ${JSON.stringify(lead.email)} != ${email}`);
    return lead;
  }
}

export async function startLeadline(opts = {}) {
  const ll = new Leadline(opts);
  await ll.start(opts);
  return ll;
}

/** A tiny static HTTP server on another 127.0.0.1 port; pages: { '/path': html }. */
export async function startStaticServer(pages) {
  const server = http.createServer((req, res) => {
    const body = pages[new URL(req.url, 'http://x').pathname];
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Playwright adds --headless and a fresh temporary --user-data-dir itself.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export function uniq() {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

// ---- Browser helpers shared by the browser_* suites ----

/** Where the browser suites keep their screenshots. */
export const SCREEN_DIR = path.join(REPO_ROOT, 'target', 'e2e-screens');
/** Default timeout of every page action in the browser suites. */
export const UI_TIMEOUT = 15_000;

/**
 * A fresh context and page that records console errors, failed requests and HTTP errors in
 * page.problems for failure messages. contextOptions go to browser.newContext().
 */
export async function newPage(browser, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`));
  page.problems = problems;
  return { context, page };
}

/**
 * Adds what the browser saw (a page from newPage) to a failure, and keeps a screenshot of the
 * page as target/e2e-screens/failed-NAME-BACKEND.png. Returns err, to be thrown.
 */
export async function explain(page, err, name) {
  const extra = page.problems.length ? `\nbrowser saw:\n  ${page.problems.join('\n  ')}` : '';
  let shot = '';
  try {
    mkdirSync(SCREEN_DIR, { recursive: true });
    const file = path.join(SCREEN_DIR, `failed-${name}-${process.env.E2E_BACKEND ?? 'local'}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
    shot = `\nscreenshot: ${file}`;
  } catch {
    // the page may be gone; the message is what matters
  }
  err.message += `${extra}\nat ${page.url()}${shot}`;
  return err;
}

/** page.goto(url), failing unless the answer is below HTTP 400; returns the response. */
export async function gotoOk(page, url) {
  const res = await page.goto(url);
  assert.ok(res, `no response for ${url}`);
  assert.ok(res.status() < 400, `GET ${url} -> HTTP ${res.status()}: ${(await res.text()).slice(0, 300)}`);
  return res;
}

/** Signs in through BASE/login with email and password and waits to leave the login page. */
export async function signIn(page, { base, email, password }) {
  await gotoOk(page, `${base}/login`);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form').filter({ has: page.locator('input[name=password]') }).locator('button[type=submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}
