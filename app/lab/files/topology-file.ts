/**
 * Topology files on disk. Writing goes to a temporary name beside the target and is
 * renamed over it, so a crash mid-write never leaves half a file where a good one was.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoText } from '../../engine/config/loader.js';
import type { Topology } from '../../api/topology.js';
import { parseTopologyYaml, topologyToYaml, type TopologyParseResult } from './topology-yaml.js';

/** Reads and checks a topology file; an unreadable file is a `failed` error naming it. */
export async function readTopologyFile(path: string): Promise<TopologyParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not-found' : 'failed';
    return { ok: false, error: { code, message: `Cannot read ${path}: ${errnoText(err)}.` } };
  }
  return parseTopologyYaml(text, basename(path));
}

/** Writes the topology as YAML, replacing `path` in one step. */
export async function writeTopologyFile(path: string, topology: Topology): Promise<void> {
  await writeFileAtomically(path, topologyToYaml(topology));
}

export async function writeFileAtomically(path: string, text: string, mode?: number): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text, mode === undefined ? {} : { mode });
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
