/**
 * Clients blocked on keys (blocked.c): BLPOP, BLMOVE, BZPOPMIN and friends. A
 * write that may make a key ready calls signalKeyAsReady(); after the command
 * completes the server calls serveReadyKeys(), which offers each ready key to its
 * waiting clients in the order they blocked.
 */
import type { BlockState, Client } from './client.js';
import type { Database } from './keyspace/db.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

export class BlockingRegistry {
  private readonly waiting = new Map<Database, Map<string, Set<Client>>>();
  private readyKeys: { db: Database; key: string }[] = [];
  /** Number of clients currently blocked (INFO clients: blocked_clients). */
  blockedCount = 0;

  constructor(private readonly onUnblocked: (c: Client) => void) {}

  block(c: Client, state: BlockState): void {
    c.blocked = state;
    this.blockedCount++;
    let byKey = this.waiting.get(state.db);
    if (!byKey) this.waiting.set(state.db, (byKey = new Map()));
    for (const key of state.keys) {
      let clients = byKey.get(key);
      if (!clients) byKey.set(key, (clients = new Set()));
      clients.add(c);
    }
    if (state.deadline > 0) this.armTimer(c, state);
  }

  /** Node timers cap at 2^31-1 ms (about 24.8 days): longer timeouts re-arm until due. */
  private armTimer(c: Client, state: BlockState): void {
    const delay = Math.max(0, state.deadline - Date.now());
    state.timer = setTimeout(
      () => {
        if (c.blocked !== state) return;
        if (Date.now() < state.deadline) this.armTimer(c, state);
        else this.timeout(c);
      },
      Math.min(delay, MAX_TIMER_MS),
    );
  }

  /** Removes a client from every wait list, without replying. */
  unblock(c: Client): void {
    const state = c.blocked;
    if (!state) return;
    c.blocked = undefined;
    this.blockedCount--;
    if (state.timer) clearTimeout(state.timer);
    const byKey = this.waiting.get(state.db);
    for (const key of state.keys) {
      const clients = byKey?.get(key);
      if (!clients) continue;
      clients.delete(c);
      if (clients.size === 0) byKey!.delete(key);
    }
    this.onUnblocked(c);
  }

  /** The timeout reply, then resume the client's pipeline. */
  timeout(c: Client): void {
    const state = c.blocked;
    if (!state) return;
    state.onTimeout();
    this.unblock(c);
    c.scheduleFlush();
  }

  isWaitedOn(db: Database, key: string): boolean {
    return this.waiting.get(db)?.has(key) ?? false;
  }

  /** signalKeyAsReady(): remember the key if some client waits on it. */
  signalKeyAsReady(db: Database, key: string): void {
    if (this.isWaitedOn(db, key)) this.readyKeys.push({ db, key });
  }

  get hasReadyKeys(): boolean {
    return this.readyKeys.length > 0;
  }

  /**
   * handleClientsBlockedOnKeys(): serve waiting clients, oldest first. Serving one
   * may make another key ready (BLMOVE), so loop until nothing is left.
   */
  serveReadyKeys(): void {
    while (this.readyKeys.length > 0) {
      const batch = this.readyKeys;
      this.readyKeys = [];
      for (const { db, key } of batch) {
        const clients = this.waiting.get(db)?.get(key);
        if (!clients) continue;
        for (const c of [...clients]) {
          if (!c.blocked) continue;
          if (c.blocked.tryServe(key)) {
            this.unblock(c);
            c.scheduleFlush();
          }
          if (!db.dict.has(key)) break;
        }
      }
    }
  }

  /** Blocked clients waiting on a key of this db (FLUSHDB/SWAPDB bookkeeping). */
  keysWaited(db: Database): IterableIterator<string> {
    return (this.waiting.get(db) ?? new Map<string, Set<Client>>()).keys();
  }
}
