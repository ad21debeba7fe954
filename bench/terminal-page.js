// The page bench/terminal.mjs loads into Debian's Chromium: a real xterm.js terminal fed by
// the web host's WebSocket exactly as the renderer's terminal pane will be, acknowledging
// output in xterm's write callback (in steps of 5,000 characters, as VS Code does), while
// it watches the main thread: long tasks (PerformanceObserver) and gaps between frames.
/* global Terminal, document, window, location, requestAnimationFrame */
const ACK_STEP = 5000;

const term = new Terminal({ cols: 160, rows: 48, scrollback: 10000 });
term.open(document.getElementById('terminal'));

const stalls = { longestTask: 0, longTasks: 0, longestFrameGap: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    stalls.longTasks++;
    stalls.longestTask = Math.max(stalls.longestTask, entry.duration);
  }
}).observe({ type: 'longtask', buffered: true });
let lastFrame = performance.now();
function onFrame(now) {
  stalls.longestFrameGap = Math.max(stalls.longestFrameGap, now - lastFrame);
  lastFrame = now;
  requestAnimationFrame(onFrame);
}
requestAnimationFrame(onFrame);
function resetStalls() {
  Object.assign(stalls, { longestTask: 0, longTasks: 0, longestFrameGap: 0 });
  lastFrame = performance.now();
}

const socket = new WebSocket(`ws://${location.host}/api`);
const opened = new Promise((resolve, reject) => {
  socket.onopen = resolve;
  socket.onerror = () => reject(new Error('WebSocket refused'));
});
let nextId = 1;
const waiting = new Map();
const outputListeners = new Set();
socket.onmessage = (message) => {
  const parsed = JSON.parse(message.data);
  if (parsed.type === 'response') {
    const waiter = waiting.get(parsed.id);
    waiting.delete(parsed.id);
    if (parsed.ok) waiter.resolve(parsed.result);
    else waiter.reject(new Error(parsed.error.message));
  } else if (parsed.event === 'terminal.output') {
    for (const listener of outputListeners) listener(parsed.data);
  }
};
async function request(method, params = {}) {
  await opened;
  const id = nextId++;
  socket.send(JSON.stringify({ type: 'request', id, method, params }));
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

/**
 * Opens a terminal on `nodeId`, optionally types `input` once `readyText` is on screen, and
 * resolves once every string of `doneText` has been drawn, in that order, after the input
 * (or `expectedChars` characters), with the figures.
 */
async function run({ nodeId, cli, input, readyText, doneText, expectedChars }) {
  term.reset();
  let sessionId;
  let drawn = 0;
  let unacked = 0;
  let screen = '';
  let typedAt = 0;
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  let phase = input ? 'waiting-for-prompt' : 'streaming';
  const onOutput = ({ sessionId: id, data }) => {
    if (id !== sessionId) return;
    term.write(data, () => {
      drawn += data.length;
      unacked += data.length;
      if (unacked >= ACK_STEP) {
        void request('terminal.ack', { sessionId, chars: unacked });
        unacked = 0;
      }
      if (phase === 'waiting-for-prompt') {
        screen += data;
        if (screen.includes(readyText)) {
          phase = 'typing';
          // linenoise discards what is typed before it has set raw mode (TCSAFLUSH).
          setTimeout(() => {
            phase = 'streaming';
            screen = '';
            drawn = 0;
            resetStalls();
            typedAt = performance.now();
            void request('terminal.input', { sessionId, data: input });
          }, 500);
        }
      } else if (phase === 'typing') {
        return;
      } else if (doneText) {
        screen = (screen + data).slice(-200);
        for (let found; doneText.length > 0 && (found = screen.indexOf(doneText[0])) >= 0;) {
          screen = screen.slice(found + doneText[0].length);
          doneText = doneText.slice(1);
        }
        if (doneText.length === 0) resolveDone();
      } else if (drawn >= expectedChars) resolveDone();
    });
  };
  outputListeners.add(onOutput);
  resetStalls();
  const started = performance.now();
  const info = await request('terminal.open', { nodeId, cli, cols: 160, rows: 48 });
  sessionId = info.sessionId;
  await done;
  const seconds = (performance.now() - (typedAt || started)) / 1000;
  outputListeners.delete(onOutput);
  await request('terminal.close', { sessionId });
  return { cliDescription: info.cliDescription, chars: drawn, seconds, ...stalls };
}

/**
 * xterm.js alone, no host: the same numbered lines generated in the page and written in
 * 64 KB chunks with at most 100,000 characters in flight, as flow control allows.
 */
async function runLocal(lines) {
  term.reset();
  resetStalls();
  const pad = '.'.repeat(88);
  const started = performance.now();
  let drawn = 0;
  let inFlight = 0;
  let next = 0;
  await new Promise((resolve) => {
    const pump = () => {
      while (inFlight < 100000 && next < lines) {
        let chunk = '';
        for (const end = Math.min(lines, next + 655); next < end; next++)
          chunk += String(next).padStart(10, '0') + pad + '\r\n';
        inFlight += chunk.length;
        term.write(chunk, () => {
          inFlight -= chunk.length;
          drawn += chunk.length;
          if (next === lines && inFlight === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  return { chars: drawn, seconds: (performance.now() - started) / 1000, ...stalls };
}

window.terminalBench = { request, run, runLocal };
