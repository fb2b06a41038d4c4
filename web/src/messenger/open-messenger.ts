import { MyLifeClient } from '@mylife/client';
import { SqlJsDatabase } from '@mylife/client/sql-js';
import sqlWasmUrl from 'sql.js/dist/sql-wasm.wasm?url';
import { browserDeviceName } from '../platform/device-name.ts';
import { LocalMessenger } from './local-messenger.ts';
import type { Messenger } from './messenger.ts';

/** The Messenger for this tab. */
export async function openMessenger(): Promise<Messenger> {
  const database = await SqlJsDatabase.create({ sqlJsConfig: { locateFile: () => sqlWasmUrl } });
  const messenger = new LocalMessenger({
    client: new MyLifeClient({ database }),
    origin: location.origin,
    deviceName: browserDeviceName(),
  });
  messenger.start();
  return messenger;
}
