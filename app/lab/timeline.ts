/**
 * The lab's timeline: every event worth finding again (role changes, link up and
 * down, syncs with their reason, failovers, crashes, faults, Sentinel's events),
 * in order, bounded, exportable as JSON by the UI.
 */
import { EventEmitter } from 'node:events';
import type { TimelineEvent } from '../api/runtime';

const LIMIT = 5000;
/** How many of the newest events `lab.snapshot` carries. */
export const SNAPSHOT_EVENTS = 500;

export class Timeline extends EventEmitter<{ event: [TimelineEvent] }> {
  private readonly events: TimelineEvent[] = [];
  private seq = 0;

  add(
    event: Omit<TimelineEvent, 'seq' | 'at' | 'level'> & Partial<Pick<TimelineEvent, 'at' | 'level'>>,
  ): TimelineEvent {
    const full: TimelineEvent = { seq: ++this.seq, at: Date.now(), level: 'info', ...event };
    this.events.push(full);
    if (this.events.length > LIMIT) this.events.splice(0, this.events.length - LIMIT);
    this.emit('event', full);
    return full;
  }

  list(newest = LIMIT): TimelineEvent[] {
    return this.events.slice(-newest);
  }

  clear(): void {
    this.events.length = 0;
  }
}
