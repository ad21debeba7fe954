import { describe, expect, it } from 'vitest';
import { ServerConfig } from './config/index.js';
import { expandProcTitle } from './proc-title.js';

describe('proc-title-template', () => {
  it("expands Redis's default template like redisSetProcTitle()", () => {
    const config = ServerConfig.fromArgs(['--bind', '127.0.0.1 -::1']);
    expect(expandProcTitle(config.str('proc-title-template'), config, 6379)).toBe('replica-lab-server 127.0.0.1:6379');
  });

  it('keeps unknown variables and other text as written', () => {
    const config = ServerConfig.fromArgs([]);
    expect(expandProcTitle('{title} port={port} {nope}', config, 6380)).toBe('replica-lab-server port=6380 {nope}');
  });
});
