import type { CommandModule } from '../command-table.js';

export const hashCommands: CommandModule = {};
