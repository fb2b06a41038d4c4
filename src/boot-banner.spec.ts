import { resolve } from 'node:path';
import { cliCommand } from './boot-banner';
import { loadConfig } from './config/app-config';

const nodeWith = (env: Record<string, string>) => {
  const config = loadConfig(env);
  return { config, embeddedPostgres: config.databaseUrl === null };
};

describe('the CLI command of the boot banner', () => {
  it('is the plain command for a node on the defaults', () => {
    expect(cliCommand(nodeWith({}), 'user list')).toBe('npm run cli -- user list');
  });

  it("carries a second node's variables, so that the CLI reaches that node and not the first", () => {
    const second = nodeWith({ PORT: '8791', MYLIFE_DATA_DIR: './data b', MYLIFE_EMBEDDED_POSTGRES_PORT: '55433' });
    expect(cliCommand(second, 'user list')).toBe(
      `PORT=8791 MYLIFE_DATA_DIR='${resolve('./data b')}' MYLIFE_EMBEDDED_POSTGRES_PORT=55433 npm run cli -- user list`,
    );
  });

  it('names the server when it is set, and leaves the embedded database out when there is a DATABASE_URL', () => {
    const node = nodeWith({
      MYLIFE_FEDERATION_SERVER: 'chat.example.com',
      DATABASE_URL: 'postgres://db/mylife',
      MYLIFE_DATA_DIR: '/var/lib/mylife',
    });
    expect(cliCommand(node, 'user list')).toBe('MYLIFE_FEDERATION_SERVER=chat.example.com npm run cli -- user list');
  });
});
