import type { ClientState, SecretTree } from 'ts-mls';
import { sameBytes } from './base64url.ts';
import { type DeviceAddress, deviceOfCredential, sameDevice } from './credential.ts';

/** A leaf of a group's ratchet tree: a member device and the signature key it joined with. */
export interface GroupMember extends DeviceAddress {
  leafIndex: number;
  signatureKey: Uint8Array;
}

/** A device a group should have, with the identity key its server publishes. */
export interface MemberDevice extends DeviceAddress {
  identityKey: Uint8Array;
}

/** Leaves whose credential is not a device credential are left out: the authentication service refuses them. */
export function membersOf(state: ClientState): GroupMember[] {
  const members: GroupMember[] = [];
  state.ratchetTree.forEach((node, nodeIndex) => {
    if (node?.nodeType !== 'leaf') return;
    const device = deviceOfCredential(node.leaf.credential);
    if (device) members.push({ ...device, leafIndex: nodeIndex / 2, signatureKey: node.leaf.signaturePublicKey });
  });
  return members;
}

export function leafOf(state: ClientState, device: DeviceAddress): number | undefined {
  return membersOf(state).find((member) => sameDevice(member, device))?.leafIndex;
}

/** Who to remove and who to add so that the group holds exactly `wanted` besides its owner. */
export function membershipChanges(
  state: ClientState,
  owner: DeviceAddress,
  wanted: readonly MemberDevice[],
): { removed: GroupMember[]; added: MemberDevice[] } {
  const current = membersOf(state).filter((member) => !sameDevice(member, owner));
  const matches = (member: GroupMember, device: MemberDevice) =>
    sameDevice(member, device) && sameBytes(member.signatureKey, device.identityKey);
  return {
    removed: current.filter((member) => !wanted.some((device) => matches(member, device))),
    added: wanted.filter((device) => !current.some((member) => matches(member, device))),
  };
}

/**
 * The leaf that sent an application message, from the one application ratchet that moved: ts-mls does not say who
 * sent it, and in a sender group only the owner may.
 */
export function applicationSenderLeaf(before: ClientState, after: ClientState, epoch: bigint): number | undefined {
  const treeBefore = secretTreeAt(before, epoch);
  const treeAfter = secretTreeAt(after, epoch);
  if (!treeBefore || !treeAfter) return undefined;
  for (let nodeIndex = 0; nodeIndex < treeAfter.length; nodeIndex += 2) {
    const was = treeBefore[nodeIndex]?.application;
    const is = treeAfter[nodeIndex]?.application;
    if (!was || !is) continue;
    const unusedChanged = Object.keys(was.unusedGenerations).length !== Object.keys(is.unusedGenerations).length;
    if (was.generation !== is.generation || unusedChanged) return nodeIndex / 2;
  }
  return undefined;
}

function secretTreeAt(state: ClientState, epoch: bigint): SecretTree | undefined {
  return epoch === state.groupContext.epoch ? state.secretTree : state.historicalReceiverData.get(epoch)?.secretTree;
}
