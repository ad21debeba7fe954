/** Every command family; the command table is built from this list. */
import type { CommandModule } from '../command-table.js';
import { bitCommands } from './bitops.js';
import { clientCommands } from './client.js';
import { commandCommands } from './command.js';
import { configCommands } from './config.js';
import { connectionCommands } from './connection.js';
import { debugCommands } from './debug.js';
import { failoverCommands } from './failover.js';
import { functionCommands } from './functions.js';
import { hashCommands } from './hashes.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { keyCommands } from './keys.js';
import { listCommands } from './lists.js';
import { persistenceCommands } from './persistence.js';
import { pubsubCommands } from './pubsub.js';
import { replicaofCommands } from './replicaof.js';
import { replicationCommands } from './replication.js';
import { scriptingCommands } from './scripting.js';
import { serverCommands } from './server.js';
import { setCommands } from './sets.js';
import { sortCommands } from './sort.js';
import { stringCommands } from './strings.js';
import { transactionCommands } from './transactions.js';
import { zsetCommands } from './zsets.js';

export const ALL_COMMAND_MODULES: readonly CommandModule[] = [
  connectionCommands,
  serverCommands,
  persistenceCommands,
  clientCommands,
  configCommands,
  commandCommands,
  debugCommands,
  keyCommands,
  sortCommands,
  stringCommands,
  bitCommands,
  hyperloglogCommands,
  listCommands,
  hashCommands,
  setCommands,
  zsetCommands,
  transactionCommands,
  pubsubCommands,
  functionCommands,
  scriptingCommands,
  replicationCommands,
  replicaofCommands,
  failoverCommands,
];
