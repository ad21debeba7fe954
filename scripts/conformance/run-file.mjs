// Runs one file of Redis's Tcl suite with `./runtest --single <file>` and counts
// its [ok]/[err]/[exception] lines.
//
// Each run gets a private "shadow" copy of the suite: symlinks to the cached
// tree, but its own tests/tmp (runtest wipes tests/tmp at start, which would
// break a concurrent run) and its own src/ (in spawned mode runtest starts
// `src/redis-server <config>`, which we point at the engine or redis-server).
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { requireCommand } from './server-process.mjs';

const ANSI = /\x1b\[[0-9;]*m/g;

// Process groups of runtest invocations still running, killed if the runner exits early.
const activeGroups = new Set();
process.once('exit', () => {
  for (const pid of activeGroups) killGroup(pid);
});

/** Number of `test ...` blocks written in the file: tests inside loops count once, so it is approximate. */
export function countTestBlocks(suiteDir, file) {
  const path = join(suiteDir, 'tests', `${file}.tcl`);
  if (!existsSync(path)) throw new Error(`no such test file: tests/${file}.tcl`);
  return (readFileSync(path, 'utf8').match(/^\s*test\s+["{]/gm) ?? []).length;
}

// Harness (never test) adaptations, applied to the shadow copy only. None are needed
// today: the engine answers FUNCTION FLUSH, which external mode runs before every
// start_server block. Keep the mechanism for the day the suite needs one.
/** @type {{ path: string, from: string, to: string }[]} */
const HARNESS_PATCHES = [];

/** Builds the private shadow of `suiteDir` in `shadowDir` for `server` (see file comment). */
export function prepareShadowSuite(suiteDir, shadowDir, server) {
  rmSync(shadowDir, { recursive: true, force: true });
  mkdirSync(shadowDir, { recursive: true });
  symlinkSync(join(suiteDir, 'runtest'), join(shadowDir, 'runtest'));
  const patchedDirs = new Set(HARNESS_PATCHES.map((p) => dirname(p.path)));
  mirrorDir(suiteDir, shadowDir, 'tests', patchedDirs);
  mkdirSync(join(shadowDir, 'tests', 'tmp'));
  for (const patch of HARNESS_PATCHES) {
    const original = readFileSync(join(suiteDir, patch.path), 'utf8');
    if (!original.includes(patch.from)) throw new Error(`harness patch no longer applies to ${patch.path}`);
    writeFileSync(join(shadowDir, patch.path), original.replace(patch.from, patch.to));
  }
  mkdirSync(join(shadowDir, 'src'));
  const wrapper =
    server.kind === 'engine'
      ? // runtest waits for " PID: <pid>" in the server's stdout (a line of Redis's
        // start-up logo); the shell prints it for its own pid, which exec keeps.
        `#!/bin/sh\necho "                PID: $$"\nexec "${process.execPath}" "${server.entry}" "$@"\n`
      : `#!/bin/sh\nexec "${server.binary}" "$@"\n`;
  writeFileSync(join(shadowDir, 'src', 'redis-server'), wrapper);
  chmodSync(join(shadowDir, 'src', 'redis-server'), 0o755);
  for (const tool of ['redis-cli', 'redis-benchmark']) {
    try {
      symlinkSync(requireCommand(tool, ''), join(shadowDir, 'src', tool));
    } catch {
      // Only a few suites outside ours use them.
    }
  }
}

/**
 * Recreates `rel` in the shadow as a real directory of symlinks, descending into
 * the directories that hold patched files (which are written afterwards), leaving out tmp.
 */
function mirrorDir(suiteDir, shadowDir, rel, patchedDirs) {
  mkdirSync(join(shadowDir, rel));
  for (const entry of readdirSync(join(suiteDir, rel))) {
    const child = join(rel, entry);
    if (child === join('tests', 'tmp')) continue;
    if ([...patchedDirs].some((dir) => dir === child || dir.startsWith(child + '/'))) {
      mirrorDir(suiteDir, shadowDir, child, patchedDirs);
    } else if (!HARNESS_PATCHES.some((p) => p.path === child)) {
      symlinkSync(join(suiteDir, child), join(shadowDir, child));
    }
  }
}

/**
 * Runs runtest for `file` in `shadowDir`. `target` is `{ port }` for external mode
 * (a server we started) or `{ spawned: true }` when runtest starts its own servers.
 * `portBlock` is where runtest may listen: its client port in
 * [portBlock, portBlock+32), spawned servers above that.
 */
export function runTestFile({
  shadowDir,
  file,
  target,
  portBlock,
  timeoutSeconds,
  stallSeconds,
  logPath,
  skipTests,
  durable,
}) {
  const args = ['--single', file, '--clients', '1', '--timeout', String(stallSeconds)];
  for (const name of skipTests) args.push('--skiptest', name);
  if (durable) args.push('--durable');
  args.push('--baseport', String(portBlock + 32), '--portcount', '160');
  if (!target.spawned) args.push('--host', '127.0.0.1', '--port', String(target.port));
  const started = Date.now();
  const child = spawn('./runtest', args, {
    cwd: shadowDir,
    // Own process group, so a timeout can kill runtest, its test client and any server it spawned.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TERM: 'dumb' },
  });
  activeGroups.add(child.pid);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk) => (output += chunk.toString('utf8')));
  let killedByUs = false;
  const killTimer = setTimeout(() => {
    killedByUs = true;
    killGroup(child.pid);
  }, timeoutSeconds * 1000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(killTimer);
      // runtest may leave its test client or spawned servers behind on abnormal exits.
      killGroup(child.pid);
      activeGroups.delete(child.pid);
      const text = output.replace(ANSI, '');
      writeFileSync(logPath, text);
      resolve({
        ...parseRuntestOutput(text),
        exitCode: code,
        killedAfterSeconds: killedByUs ? timeoutSeconds : undefined,
        seconds: Math.round((Date.now() - started) / 100) / 10,
      });
    });
  });
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Counts and failure details from runtest's (colourless) output. */
export function parseRuntestOutput(text) {
  const lines = text.split('\n');
  const result = { ok: 0, err: 0, exception: 0, ignored: 0, timedOut: false, failures: [], exceptionText: '' };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('[ok]: ')) result.ok++;
    else if (line.startsWith('[skip]: ') || line.startsWith('[ignore]: ')) result.ignored++;
    else if (line.startsWith('[err]: ')) {
      result.err++;
      const name = line.slice('[err]: '.length).replace(/ in tests\/\S+\.tcl$/, '');
      result.failures.push(`${name} -- ${(lines[i + 1] ?? '').slice(0, 300)}`);
    } else if (line.startsWith('[exception]: ')) {
      result.exception++;
      result.exceptionText = lines
        .slice(i, i + 40)
        .filter((l) => !/^\s*(invoked from within|while executing|\(procedure|\("uplevel")/.test(l))
        .slice(0, 14)
        .join('\n');
    } else if (line.startsWith('[TIMEOUT]')) {
      result.timedOut = true;
      const stuck = lines.slice(i + 1, i + 6).find((l) => l.includes('(IN PROGRESS)'));
      result.exceptionText = `runtest saw no progress: ${stuck ?? line}`.trim();
    }
  }
  return result;
}
