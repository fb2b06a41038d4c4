import { join } from 'node:path';
import { befriend, BenchUser, createUser } from '../../../bench/lib/api';
import { NodeProcess } from '../../../bench/lib/node-process';
import { CapturingProxy } from '../../support/capturing-proxy';
import { FaultContext, progress } from './context';

/** How one side of the pair runs; by default on the machine's PostgreSQL and Redis. */
export interface SideOptions {
  /** The PostgreSQL server its database goes on; null: the embedded one inside the node's process. */
  databaseServer?: string | null;
  redisUrl?: string;
  env?: Record<string, string>;
  /** A proxy the node is reached through by its peer: the node takes the proxy's server name. */
  behind?: CapturingProxy;
}

/** Users per node; `usersA[i]` and `usersB[i]` are friends, so that a burst spreads over several conversations. */
const USERS_PER_NODE = 4;

/**
 * Two nodes, A and B, each its own OS process (as `npm start` runs it) on loopback, with users befriended across
 * them through the HTTP API.
 */
export class NodePair {
  readonly usersA: BenchUser[] = [];
  readonly usersB: BenchUser[] = [];
  /** Further processes of node A (same database and queue), stopped with the pair. */
  private readonly extraProcesses: NodeProcess[] = [];

  private constructor(
    private readonly context: FaultContext,
    readonly scenario: string,
    readonly nodeA: NodeProcess,
    readonly nodeB: NodeProcess,
    private readonly databaseServers: { a: string | null; b: string | null },
  ) {}

  static async start(
    context: FaultContext,
    scenario: string,
    options: { a?: SideOptions; b?: SideOptions } = {},
  ): Promise<NodePair> {
    const side = async (name: 'a' | 'b', side: SideOptions = {}) => {
      const databaseServer = side.databaseServer === undefined ? context.databaseUrl : side.databaseServer;
      const node = await NodeProcess.create(
        context.root,
        `${scenario.replace(/\W/g, '_')}_${name}`,
        databaseServer,
        side.redisUrl ?? context.redisUrl,
        { ...side.env, ...(side.behind ? { MYLIFE_FEDERATION_SERVER: side.behind.serverName } : {}) },
      );
      side.behind?.forwardTo(node.url);
      node.logFile = join(context.logDir, `${scenario}-${name}.log`);
      return { node, databaseServer };
    };
    const a = await side('a', options.a);
    const b = await side('b', options.b);
    const pair = new NodePair(context, scenario, a.node, b.node, { a: a.databaseServer, b: b.databaseServer });
    try {
      await Promise.all([a.node.start(), b.node.start()]);
      for (let i = 0; i < USERS_PER_NODE; i++) {
        pair.usersA.push(await createUser(a.node, `ann${i}`));
        pair.usersB.push(await createUser(b.node, `ben${i}`));
        await befriend(pair.usersA[i], pair.usersB[i]);
      }
    } catch (error) {
      // A node that did not boot in time, or a friendship that did not go through: leave no process behind.
      await pair.destroy();
      throw error;
    }
    progress(scenario, `nodes up (A ${a.node.url}, B ${b.node.url}), ${USERS_PER_NODE} friendships across them`);
    return pair;
  }

  /** Every user of A with its friend on B, and the other way round: the conversations a burst goes over. */
  conversations(from: 'a' | 'b' | 'both' = 'both'): { from: BenchUser; to: BenchUser }[] {
    const fromA = this.usersA.map((user, i) => ({ from: user, to: this.usersB[i] }));
    const fromB = this.usersB.map((user, i) => ({ from: user, to: this.usersA[i] }));
    return from === 'a' ? fromA : from === 'b' ? fromB : [...fromA, ...fromB];
  }

  /** A second process of node A (as a second container of one node would be); half of A's users move to it. */
  async secondProcessOfA(): Promise<NodeProcess> {
    const second = await this.nodeA.sibling(`${this.nodeA.name}_2`);
    second.logFile = join(this.context.logDir, `${this.scenario}-a2.log`);
    await second.start();
    this.extraProcesses.push(second);
    this.usersA.forEach((user, i) => {
      if (i % 2 === 1) user.node = second;
    });
    return second;
  }

  /** The node processes, their databases and queue keys. */
  async destroy(): Promise<void> {
    for (const extra of this.extraProcesses) await extra.stop();
    await this.nodeA.destroy(this.databaseServers.a).catch((error: unknown) => progress(this.scenario, String(error)));
    await this.nodeB.destroy(this.databaseServers.b).catch((error: unknown) => progress(this.scenario, String(error)));
  }
}
