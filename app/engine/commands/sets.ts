import type { CommandModule } from '../command-table.js';

export const setCommands: CommandModule = {};
