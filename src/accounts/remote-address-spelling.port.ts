/**
 * How accounts learns how another server spells its users' addresses (a MyLife node lower-cases its usernames), from
 * what this node knows of that server already, without depending on federation: federation provides it. Absent where
 * federation is not loaded (the operator CLI), which names local users only.
 */
export abstract class RemoteAddressSpelling {
  abstract canonicalAddress(address: string): Promise<string>;
}
