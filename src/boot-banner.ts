import { loadConfig } from './config/app-config';
import type { RunningNode } from './node';
import { isWebAppBuilt, PACKAGE_ROOT } from './web-app/web-app-files';

/** What `npm start` prints once the node is up: where it is, and how to reach it with the CLI. */
export function bootBanner(node: RunningNode, startupMs: number): string {
  return [
    `MyLife Node ${node.config.federationServer} is up at ${node.url} in ${startupMs} ms`,
    `  web app:  ${webAppLine(node)}`,
    `  database: ${node.embeddedPostgres ? `embedded Postgres (data in ${node.config.dataDir})` : 'DATABASE_URL'}; queue: ${node.queueBackend}`,
    `  health:   ${node.url}/health    API docs: ${node.url}/api/docs`,
    `  first user: ${cliCommand(node, 'user create alice --password-stdin')}   (asks for the password${node.embeddedPostgres ? '' : "; with this node's DATABASE_URL"})`,
    node.config.adminToken
      ? `  admin:    ${node.url}/admin/queues (admin token as password)`
      : '  admin:    set MYLIFE_ADMIN_TOKEN to enable the admin API and the queue dashboard',
  ].join('\n');
}

/** Where the web app is, or why it is not there. */
export function webAppLine(node: Pick<RunningNode, 'config' | 'url'>): string {
  const dir = node.config.webAppDir;
  if (dir === null) return 'off (MYLIFE_WEB_APP=off)';
  if (isWebAppBuilt(dir)) return `${node.url}/`;
  return `not built (${dir} has no index.html): run \`npm run build\` in ${PACKAGE_ROOT} (no restart needed)`;
}

/**
 * The CLI finds a node's database and name through the same variables as the node: those this node was started with
 * (when not the defaults) go on its command line, so that a second node's banner names the second node.
 */
export function cliCommand(node: Pick<RunningNode, 'config' | 'embeddedPostgres'>, args: string): string {
  const { config } = node;
  const defaults = loadConfig({});
  const variables: [string, string | number][] = [];
  if (config.port !== defaults.port) variables.push(['PORT', config.port]);
  if (config.federationServer !== `localhost:${config.port}`) {
    variables.push(['MYLIFE_FEDERATION_SERVER', config.federationServer]);
  }
  if (node.embeddedPostgres && config.dataDir !== defaults.dataDir) variables.push(['MYLIFE_DATA_DIR', config.dataDir]);
  if (node.embeddedPostgres && config.embeddedPostgresPort !== defaults.embeddedPostgresPort) {
    variables.push(['MYLIFE_EMBEDDED_POSTGRES_PORT', config.embeddedPostgresPort]);
  }
  const assignments = variables.map(([name, value]) => `${name}=${shellWord(String(value))} `).join('');
  return `${assignments}npm run cli -- ${args}`;
}

function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
