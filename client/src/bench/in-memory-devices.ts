import { decodeMlsMessage } from 'ts-mls';
import { fromBase64Url, toBase64Url } from '../e2ee/base64url.ts';
import { generateKeyPackages, newDeviceId, newIdentityKeyPair } from '../e2ee/device-identity.ts';
import type { MemberDevice } from '../e2ee/group-members.ts';
import {
  type ClaimedKeyPackage,
  type IncomingEnvelope,
  type KeyDirectory,
  MlsWorkspace,
  type OpenResult,
  type OwnDevice,
} from '../e2ee/mls-workspace.ts';
import type { LocalDatabase } from '../storage/local-database.ts';
import type { StoredKeyPackage } from '../store/device-key-store.ts';
import { LocalStore } from '../store/local-store.ts';

interface PublishedDevice {
  identityKey: string;
  keyPackages: string[];
  lastResort: string | undefined;
}

/**
 * What the servers' key directories do for the MLS engine, in memory: publish, look up, claim each package once. For
 * the engine's unit tests and the e2ee benchmark, which need devices but no server.
 */
export class InMemoryKeyDirectory implements KeyDirectory {
  readonly devices = new Map<string, Map<string, PublishedDevice>>();
  private readonly everPublished = new Set<string>();
  claims = 0;

  publish(address: string, deviceId: string, identityKey: Uint8Array, packages: readonly StoredKeyPackage[]): void {
    const ofUser = this.devices.get(address) ?? new Map<string, PublishedDevice>();
    this.devices.set(address, ofUser);
    const previous = ofUser.get(deviceId);
    const key = toBase64Url(identityKey);
    this.everPublished.add(`${address}/${deviceId}/${key}`);
    const lastResort = packages.find((entry) => entry.lastResort);
    ofUser.set(deviceId, {
      identityKey: key,
      keyPackages: [
        ...(previous?.identityKey === key ? previous.keyPackages : []),
        ...packages.filter((entry) => !entry.lastResort).map((entry) => toBase64Url(entry.keyPackage)),
      ],
      lastResort: lastResort ? toBase64Url(lastResort.keyPackage) : previous?.lastResort,
    });
  }

  remove(address: string, deviceId: string): void {
    this.devices.get(address)?.delete(deviceId);
  }

  /** The devices of `address` as members of a group, leaving out `except`. */
  membersOf(address: string, except?: string): MemberDevice[] {
    return [...(this.devices.get(address) ?? new Map<string, PublishedDevice>()).entries()]
      .filter(([deviceId]) => deviceId !== except)
      .map(([deviceId, device]) => ({ address, deviceId, identityKey: fromBase64Url(device.identityKey) }));
  }

  async isPublishedKey(address: string, deviceId: string, identityKey: Uint8Array): Promise<boolean> {
    return this.everPublished.has(`${address}/${deviceId}/${toBase64Url(identityKey)}`);
  }

  async claim(address: string, deviceIds: readonly string[]): Promise<ClaimedKeyPackage[]> {
    this.claims += 1;
    const claimed: ClaimedKeyPackage[] = [];
    for (const deviceId of deviceIds) {
      const device = this.devices.get(address)?.get(deviceId);
      const encoded = device?.keyPackages.shift() ?? device?.lastResort;
      if (!encoded) continue;
      const message = decodeMlsMessage(fromBase64Url(encoded), 0)?.[0];
      if (message?.wireformat === 'mls_key_package')
        claimed.push({ address, deviceId, keyPackage: message.keyPackage });
    }
    return claimed;
  }
}

const NOW = '2026-12-07T08:00:00.000Z';

/**
 * A device with its own local copy (`options.database`: better-sqlite3 in Node, sql.js in a browser): seals and opens
 * through MlsWorkspace, each in one local transaction.
 */
export class InMemoryDevice {
  readonly store: LocalStore;

  private constructor(
    readonly self: OwnDevice,
    readonly directory: InMemoryKeyDirectory,
    readonly database: LocalDatabase,
  ) {
    this.store = new LocalStore(database);
  }

  static async create(
    address: string,
    directory: InMemoryKeyDirectory,
    options: { database: LocalDatabase; keyPackages?: number; deviceId?: string },
  ): Promise<InMemoryDevice> {
    const identity = newIdentityKeyPair();
    const deviceId = options.deviceId ?? newDeviceId();
    const self: OwnDevice = { address, deviceId, ...identity, canJoin: true, joinedAt: NOW };
    const device = new InMemoryDevice(self, directory, options.database);
    const packages = [
      ...(await generateKeyPackages(self, identity, options.keyPackages ?? 3)),
      ...(await generateKeyPackages(self, identity, 1, { lastResort: true })),
    ];
    device.store.transaction(() => {
      device.store.deviceKeys.saveIdentity({ deviceId: self.deviceId, ...identity }, NOW);
      device.store.deviceKeys.addKeyPackages(packages, NOW);
    });
    directory.publish(address, self.deviceId, identity.publicKey, packages);
    return device;
  }

  /** The same device on a copy opened again (the state is read back from the database). */
  reopened(database: LocalDatabase): InMemoryDevice {
    return new InMemoryDevice(this.self, this.directory, database);
  }

  /** The peer's devices and this user's other devices, as the directory lists them now. */
  membersFor(peer: string): MemberDevice[] {
    return [...this.directory.membersOf(peer), ...this.directory.membersOf(this.self.address, this.self.deviceId)];
  }

  async seal(peer: string, text: string, members = this.membersFor(peer)): Promise<string> {
    return this.work((workspace) => workspace.seal(peer, members, text));
  }

  /** Several messages sealed in one unit of work, as the outbox seals a run. */
  async sealRun(peer: string, texts: readonly string[], members = this.membersFor(peer)): Promise<string[]> {
    return this.work(async (workspace) => {
      const envelopes: string[] = [];
      for (const text of texts) envelopes.push(await workspace.seal(peer, members, text));
      return envelopes;
    });
  }

  async open(incoming: IncomingEnvelope): Promise<OpenResult> {
    return this.work((workspace) => workspace.open(incoming));
  }

  /** Opens and also returns what waited before and settled meanwhile. */
  async openSettling(incoming: IncomingEnvelope): Promise<{ result: OpenResult; settled: Map<string, OpenResult> }> {
    let settled = new Map<string, OpenResult>();
    const result = await this.work(async (workspace) => {
      const opened = await workspace.open(incoming);
      settled = workspace.settled;
      return opened;
    });
    return { result, settled };
  }

  private async work<T>(task: (workspace: MlsWorkspace) => Promise<T>): Promise<T> {
    const workspace = new MlsWorkspace(this.store, this.directory, this.self);
    const result = await task(workspace);
    this.store.transaction(() => workspace.persist(NOW));
    workspace.forgetConsumedSecrets();
    return result;
  }
}

let messageNumber = 0;

/** A message as the node would deliver it: from `from` to `to`, its content the envelope. */
export function delivered(from: string, to: string, content: string, createdAt = '2026-12-07T09:00:00.000Z') {
  messageNumber += 1;
  return { messageId: `m${messageNumber}`, fromUserId: from, toUserId: to, createdAt, content };
}
