/** How a link's fault reads on the canvas: a short label and the look of its edge. */
import type { LinkFault, LinkRuntime } from '@api/runtime';

export type FaultLook = 'none' | 'cut' | 'slow';

export function faultLook(fault: LinkFault | undefined): FaultLook {
  if (!fault) return 'none';
  if (fault.cut !== 'none') return 'cut';
  if (fault.latencyMs > 0 || fault.jitterMs > 0 || fault.bandwidthKbps > 0) return 'slow';
  return 'none';
}

/** "200±50 ms", "64 kbit/s", both joined: what slows the link, in as few characters as possible. */
export function slowLabel(fault: LinkFault): string {
  const parts: string[] = [];
  if (fault.latencyMs > 0 || fault.jitterMs > 0) {
    parts.push(fault.jitterMs > 0 ? `${fault.latencyMs}±${fault.jitterMs} ms` : `${fault.latencyMs} ms`);
  }
  if (fault.bandwidthKbps > 0) {
    parts.push(
      fault.bandwidthKbps >= 1000
        ? `${+(fault.bandwidthKbps / 1000).toFixed(1)} Mbit/s`
        : `${fault.bandwidthKbps} kbit/s`,
    );
  }
  return parts.join(' · ');
}

/** Whether the link is faulted at all (what the heal button acts on). */
export function faulted(link: LinkRuntime | undefined): boolean {
  return faultLook(link?.fault) !== 'none';
}
