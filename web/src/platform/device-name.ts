const DEVICE_KEY = 'mylife.device-id';

/**
 * How this browser appears in the user's device list: "Chrome on Linux - 3f2a" (the node takes letters, digits, spaces and ._:- only). The node keeps one token per device
 * name, so each browser profile keeps its own short id, and two browsers of one person never log each other out.
 */
export function browserDeviceName(userAgent = navigator.userAgent, storage: Storage = localStorage): string {
  let id = storage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID().slice(0, 4);
    storage.setItem(DEVICE_KEY, id);
  }
  return `${browserOf(userAgent)} on ${systemOf(userAgent)} - ${id}`;
}

function browserOf(userAgent: string): string {
  if (/Edg\//.test(userAgent)) return 'Edge';
  if (/Firefox\//.test(userAgent)) return 'Firefox';
  if (/Chrom(e|ium)\//.test(userAgent)) return 'Chrome';
  if (/Safari\//.test(userAgent)) return 'Safari';
  return 'Browser';
}

function systemOf(userAgent: string): string {
  if (/Android/.test(userAgent)) return 'Android';
  if (/iPhone|iPad/.test(userAgent)) return 'iOS';
  if (/Mac OS X/.test(userAgent)) return 'macOS';
  if (/Windows/.test(userAgent)) return 'Windows';
  if (/Linux/.test(userAgent)) return 'Linux';
  return 'unknown system';
}
