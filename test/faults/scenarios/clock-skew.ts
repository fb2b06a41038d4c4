import { existsSync } from 'node:fs';
import { call } from '../../../bench/lib/api';
import { burstUnderFault, withPair } from '../harness/burst';
import { progress, round1, Scenario } from '../harness/context';
import { queryDatabase } from '../../support/services';

/** Debian's libfaketime (`apt-get install faketime`); the MT build, since a Node process has several threads. */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

/**
 * Node B's machine runs `seconds` off: B and the PostgreSQL inside its process (the embedded one, so that its `now()`
 * is B's clock too) start under libfaketime. The pair is befriended before the clock moves, as friends would be
 * before a machine's clock drifted; then B restarts shifted and the burst goes. The signature window is ±30 s
 * (MYLIFE_FEDERATION_MAX_CLOCK_SKEW_MS), so ±20 s is inside it and ±40 s outside: there each node's first request is
 * refused (401 `clock-skew`), and the sender learns the other's clock from it and signs with that (PeerClocks).
 */
function clockSkew(seconds: number): Scenario {
  const name = `clock-skew${seconds > 0 ? '+' : ''}${seconds}`;
  return {
    name,
    inShortRun: false,
    run: (context) =>
      withPair(context, name, { b: { databaseServer: null } }, async (pair) => {
        if (!existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} is missing: apt-get install -y faketime`);
        await pair.nodeB.stop();
        Object.assign(pair.nodeB.env, {
          LD_PRELOAD: LIBFAKETIME,
          FAKETIME: `${seconds > 0 ? '+' : ''}${seconds}`,
          // Timers and elapsed times stay true; only the wall clock moves, as a drifted clock does.
          FAKETIME_DONT_FAKE_MONOTONIC: '1',
        });
        await pair.nodeB.start();
        const measured = await measuredSkew(pair.nodeB.url, pair.nodeB.databaseUrl);
        progress(name, `B restarted ${seconds} s off: measured ${JSON.stringify(measured)}`);
        return burstUnderFault(context, pair, async () => ({ skewSeconds: seconds, measuredSkew: measured }));
      }),
  };
}

/** How far B's clock (its /health timestamp) and its database's `now()` are from this process's clock, in seconds. */
async function measuredSkew(nodeUrl: string, databaseUrl: string) {
  const before = Date.now();
  const { body } = await call<{ timestamp: string }>(`${nodeUrl}/health`, 'GET');
  const node = Date.parse(body.timestamp) - (before + Date.now()) / 2;
  const [{ now }] = await queryDatabase<{ now: Date }>(databaseUrl, 'SELECT now()');
  return { node: round1(node / 1000), database: round1((now.getTime() - Date.now()) / 1000) };
}

export const clockSkewScenarios = [clockSkew(20), clockSkew(-20), clockSkew(40), clockSkew(-40)];
