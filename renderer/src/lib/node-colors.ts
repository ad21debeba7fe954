/**
 * One colour per node, the same on the cards' sparklines and in the charts. A node keeps
 * its colour while it exists; a new node takes the first colour no current node uses.
 * The palette reads on both themes (Tableau 10, slightly deepened for white).
 */
export const NODE_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#8f6fc1',
  '#17a2b8',
  '#d4a72c',
  '#e377c2',
  '#9c755f',
  '#6b8e23',
] as const;

export function assignColors(ids: readonly string[], previous: ReadonlyMap<string, string>): Map<string, string> {
  const colors = new Map<string, string>();
  const used = new Map<string, number>();
  for (const id of ids) {
    const color = previous.get(id);
    if (color) {
      colors.set(id, color);
      used.set(color, (used.get(color) ?? 0) + 1);
    }
  }
  for (const id of ids) {
    if (colors.has(id)) continue;
    // the least used colour, first in palette order: distinct until the palette runs out
    let best: string = NODE_PALETTE[0];
    for (const color of NODE_PALETTE) if ((used.get(color) ?? 0) < (used.get(best) ?? 0)) best = color;
    colors.set(id, best);
    used.set(best, (used.get(best) ?? 0) + 1);
  }
  return colors;
}
