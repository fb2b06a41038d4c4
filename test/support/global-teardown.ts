export default async function globalTeardown(): Promise<void> {
  await globalThis.__MYLIFE_TEST_POSTGRES__?.stop();
}
