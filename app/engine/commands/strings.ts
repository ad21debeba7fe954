import type { CommandModule } from '../command-table.js';

export const stringCommands: CommandModule = {};
