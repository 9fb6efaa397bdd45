/**
 * The HTTP side: authenticate by access key, apply rate / latency / injected faults, dispatch the
 * action against the account, count the call. Admin JSON lives under /_emulator/ (admin.ts).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { accountActions } from "./actions-account.js";
import { credentialActions } from "./actions-credentials.js";
import { groupActions } from "./actions-groups.js";
import { userActions } from "./actions-users.js";
import { handleAdmin } from "./admin.js";
import {
  type CounterReport,
  Counters,
  type FailureConfig,
  isMutating,
  type LatencyConfig,
  type Outcome,
  rng,
  TokenBucket,
} from "./faults.js";
import type { PagingConfig } from "./paging.js";
import { err, errorXml, IAM_VERSION, IamError, Params, successXml } from "./protocol.js";
import type { Handler } from "./render.js";
import { EmulatorAccount } from "./seed.js";
import { Account, accountIdFor } from "./state.js";

const ACTIONS: Record<string, Handler> = { ...userActions, ...groupActions, ...credentialActions, ...accountActions };

export interface EmulatorOptions {
  port?: number;
  host?: string;
  /** Only keys registered through registerKey() authenticate. */
  strictKeys?: boolean;
  /** Users-per-account quota for new accounts (AWS: 5000). */
  usersQuota?: number;
  /** Name of the caller's own IAM user in every account. */
  callerUserName?: string;
  /** Pages hold fewer than MaxItems while more remain (pageCut, default 0.5 when on). */
  shortPages?: boolean;
  pageCut?: number;
  /** Default per-account rate (requests/s) for accounts without their own; unlimited when omitted. */
  rate?: number;
  /** Seed for the fault / spike dice; Math.random when omitted. */
  seed?: number;
}

export interface IamEmulator {
  url: string;
  port: number;
  account(accessKeyId: string): EmulatorAccount;
  registerKey(accessKeyId: string): EmulatorAccount;
  revokeKey(accessKeyId: string): void;
  setRate(accessKeyId: string, perSecond: number | null): void;
  setLatency(ms: number, spike?: { probability: number; ms: number }): void;
  setFailures(f: FailureConfig): void;
  setPaging(p: { shortPages?: boolean; pageCut?: number }): void;
  counters(accessKeyId: string): CounterReport;
  resetCounters(accessKeyId?: string): void;
  reset(accessKeyId?: string): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Emulator implements IamEmulator {
  url = "";
  port = 0;
  readonly accounts = new Map<string, Account>();
  readonly registered = new Set<string>();
  readonly revoked = new Set<string>();
  private readonly buckets = new Map<string, TokenBucket | null>();
  readonly counterStore = new Counters();
  latency: LatencyConfig = { ms: 0 };
  failures: FailureConfig = {};
  paging: PagingConfig;
  private readonly dice: () => number;
  private server: Server | undefined;

  constructor(readonly opts: EmulatorOptions) {
    this.paging = { pageCut: opts.pageCut ?? (opts.shortPages ? 0.5 : 1) };
    this.dice = rng(opts.seed);
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(String(e));
        }
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? "127.0.0.1", () => resolve());
    });
    const addr = server.address() as AddressInfo;
    this.port = addr.port;
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    this.url = `http://${host}:${addr.port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  account(accessKeyId: string): EmulatorAccount {
    return new EmulatorAccount(this.rawAccount(accessKeyId));
  }

  rawAccount(accessKeyId: string): Account {
    let a = this.accounts.get(accessKeyId);
    if (!a) {
      a = new Account(
        accessKeyId,
        accountIdFor(accessKeyId),
        this.opts.callerUserName ?? "provisioner-admin",
        this.opts.usersQuota ?? 5000,
      );
      this.accounts.set(accessKeyId, a);
    }
    return a;
  }

  registerKey(accessKeyId: string): EmulatorAccount {
    this.registered.add(accessKeyId);
    this.revoked.delete(accessKeyId);
    return this.account(accessKeyId);
  }

  revokeKey(accessKeyId: string): void {
    this.revoked.add(accessKeyId);
  }

  setRate(accessKeyId: string, perSecond: number | null): void {
    this.buckets.set(accessKeyId, perSecond === null ? null : new TokenBucket(perSecond, performance.now()));
  }

  setLatency(ms: number, spike?: { probability: number; ms: number }): void {
    this.latency = { ms, spike };
  }

  setFailures(f: FailureConfig): void {
    this.failures = { ...f };
  }

  setPaging(p: { shortPages?: boolean; pageCut?: number }): void {
    this.paging = { pageCut: p.pageCut ?? (p.shortPages ? 0.5 : 1) };
  }

  counters(accessKeyId: string): CounterReport {
    return this.counterStore.report(accessKeyId);
  }

  resetCounters(accessKeyId?: string): void {
    this.counterStore.reset(accessKeyId);
  }

  /** Back to a fresh account (caller user only); rates, keys and counters of that key too. */
  reset(accessKeyId?: string): void {
    if (accessKeyId === undefined) {
      this.accounts.clear();
      this.buckets.clear();
      this.revoked.clear();
      this.counterStore.reset();
      this.failures = {};
      this.latency = { ms: 0 };
      return;
    }
    this.accounts.get(accessKeyId)?.reset();
    this.buckets.delete(accessKeyId);
    this.revoked.delete(accessKeyId);
    this.counterStore.reset(accessKeyId);
  }

  private bucket(accessKeyId: string): TokenBucket | null {
    let b = this.buckets.get(accessKeyId);
    if (b === undefined) {
      b = this.opts.rate === undefined ? null : new TokenBucket(this.opts.rate, performance.now());
      this.buckets.set(accessKeyId, b);
    }
    return b;
  }

  private faultApplies(accessKeyId: string, action: string): boolean {
    const f = this.failures;
    if (f.accessKeyId !== undefined && f.accessKeyId !== accessKeyId) return false;
    return f.actions === undefined || f.actions.includes(action);
  }

  private send(res: ServerResponse, status: number, body: string, requestId: string): void {
    res.writeHead(status, {
      "content-type": "text/xml",
      "content-length": Buffer.byteLength(body),
      "x-amzn-requestid": requestId,
    });
    res.end(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const body = await readBody(req);
    if (url.pathname.startsWith("/_emulator/")) {
      const out = handleAdmin(this, req.method ?? "GET", url, body);
      const json = JSON.stringify(out.body);
      res.writeHead(out.status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
      res.end(json);
      return;
    }
    const requestId = randomUUID();
    const fail = (e: IamError) => this.send(res, e.status, errorXml(e, requestId), requestId);
    const params = Params.parse(body).merge(Params.parse(url.search.slice(1)));

    const auth = req.headers.authorization ?? "";
    const akid = /Credential=([^/,\s]+)\//.exec(auth)?.[1] ?? params.str("X-Amz-Credential")?.split("/")[0];
    if (!akid) {
      return fail(new IamError("MissingAuthenticationToken", 403, "Request is missing Authentication Token"));
    }
    const action = params.str("Action") ?? "";
    const count = (o: Outcome, wrote = false) => this.counterStore.record(akid, action || "(none)", o, wrote);
    if (this.revoked.has(akid) || (this.opts.strictKeys && !this.registered.has(akid))) {
      count("failed");
      return fail(err.invalidToken());
    }
    const account = this.rawAccount(akid);

    const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (!handler) {
      count("failed");
      return fail(
        action
          ? new IamError("InvalidAction", 400, `Could not find operation ${action} for version ${IAM_VERSION}`)
          : new IamError("MissingAction", 400, "Missing Action"),
      );
    }

    // Throttling is decided on arrival, like a front door, before any latency.
    const bucket = this.bucket(akid);
    if (bucket && !bucket.take(performance.now())) {
      count("throttled");
      return fail(err.throttling());
    }

    const spike = this.latency.spike;
    const delay = this.latency.ms + (spike && this.dice() < spike.probability ? spike.ms : 0);
    if (delay > 0) await sleep(delay);

    const faulty = this.faultApplies(akid, action);
    if (faulty && this.dice() < (this.failures.dropRate ?? 0)) {
      count("injected");
      req.socket.destroy();
      return;
    }
    if (faulty && this.dice() < (this.failures.serviceFailureRate ?? 0)) {
      count("injected");
      return fail(err.serviceFailure());
    }

    let result: ReturnType<Handler>;
    try {
      result = handler({ account, p: params, paging: this.paging });
    } catch (e) {
      if (!(e instanceof IamError)) throw e;
      count("failed");
      return fail(e);
    }
    const wrote = isMutating(action);
    // A partial failure: the change is in, the caller sees a 500 and must find out by reading.
    if (wrote && faulty && this.dice() < (this.failures.failAfterApplyRate ?? 0)) {
      count("injected", true);
      return fail(err.serviceFailure());
    }
    count("ok", wrote);
    this.send(res, 200, successXml(action, result, requestId), requestId);
  }
}

export async function startIamEmulator(opts: EmulatorOptions = {}): Promise<IamEmulator> {
  const emu = new Emulator(opts);
  await emu.listen();
  return emu;
}
