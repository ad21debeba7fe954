/**
 * The commands the lab sends to a node on the user's behalf (REPLICAOF, CONFIG SET,
 * INFO ...), each on a short-lived connection, and how each one is written in the
 * command log: as the redis-cli line a user would type for the same effect, and its
 * reply as redis-cli prints a one-line reply.
 */
import { formatTTY } from '../cli/format';
import type { RespValue } from '../resp/reply-parser';
import { quoteRepr } from '../resp/repr';
import { connectNode, withTimeout, type NodeAddress } from './node-connection';

export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

/** Sends one command on its own connection; an error reply is a reply, not a throw. */
export async function sendNodeCommand(
  node: NodeAddress,
  args: string[],
  timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
): Promise<RespValue> {
  const connection = await connectNode(node, timeoutMs);
  try {
    return await withTimeout(connection.send(...args), timeoutMs, `${args[0]} on ${node.host}:${node.port}`);
  } finally {
    connection.destroy();
  }
}

/** `redis-cli -p 6380 REPLICAOF 127.0.0.1 6379`, with the host only when it is not the default. */
export function cliLine(node: NodeAddress, args: string[]): string {
  const parts = ['redis-cli'];
  if (node.host !== '127.0.0.1' && node.host !== 'localhost') parts.push('-h', node.host);
  parts.push('-p', String(node.port));
  if (node.username) parts.push('--user', node.username);
  if (node.password !== undefined) parts.push('-a', '****');
  for (const arg of args) parts.push(/^[A-Za-z0-9._:/*-]+$/.test(arg) ? arg : quoteRepr(arg));
  return parts.join(' ');
}

/** A reply as redis-cli prints it, on one line (aggregates are summarised). */
export function replyLine(reply: RespValue): string {
  if (reply.type === 'map') return `(${reply.entries.length} pairs)`;
  if (reply.type === 'array' || reply.type === 'set' || reply.type === 'push') {
    return reply.items.length === 0 ? '(empty array)' : `(${reply.items.length} items)`;
  }
  if (reply.type === 'bignum') return `(big number) ${reply.value}`; // redis-cli 7.0 has no formatter for it
  return formatTTY(reply).trimEnd();
}
