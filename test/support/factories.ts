import request from 'supertest';
import { TEST_ADMIN_TOKEN, TestNode } from './test-node';

export const DEFAULT_PASSWORD = 'correct horse battery staple';

export interface TestUser {
  id: string;
  username: string;
  address: string;
  token: string;
}

export async function createUser(node: TestNode, username: string, password = DEFAULT_PASSWORD) {
  const response = await request(node.url)
    .post('/api/admin/users')
    .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
    .send({ username, password })
    .expect(201);
  return response.body as { id: string; address: string; displayName: string };
}

export async function login(node: TestNode, username: string, password = DEFAULT_PASSWORD, deviceName?: string) {
  const response = await request(node.url)
    .post('/api/auth/session')
    .send({ username, password, ...(deviceName ? { deviceName } : {}) })
    .expect(200);
  return response.body.accessToken as string;
}

/** A user of `node` with a live token. */
export async function signUp(node: TestNode, username: string): Promise<TestUser> {
  const user = await createUser(node, username);
  return { id: user.id, username, address: user.address, token: await login(node, username) };
}
