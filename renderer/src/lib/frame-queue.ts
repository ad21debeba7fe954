/**
 * Spreads small redraws over frames: a metrics tick updates every card at once, and
 * a hundred sparklines redrawn in the same frame as a hundred cards' numbers make that
 * frame long. Tasks run at most `PER_FRAME` to an animation frame, oldest first; a
 * task queued again before it ran runs once.
 */
const PER_FRAME = 25;
const queue = new Set<() => void>();
let scheduled = false;

function run(): void {
  scheduled = false;
  let count = 0;
  for (const task of queue) {
    queue.delete(task);
    task();
    if (++count >= PER_FRAME) break;
  }
  if (queue.size) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(run);
}

export function inLaterFrame(task: () => void): void {
  queue.add(task);
  schedule();
}

export function cancelFrameTask(task: () => void): void {
  queue.delete(task);
}
