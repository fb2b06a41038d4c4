import request from 'supertest';
import { TEST_ADMIN_TOKEN, TestNode } from './test-node';

export const DEFAULT_PASSWORD = 'correct horse battery staple';

export interface TestUser {
  id: string;
  username: string;
  address: string;
  token: string;
}

export async function createUser(node: TestNode, username: string, password = DEFAULT_PASSWORD, displayName?: string) {
  const response = await request(node.url)
    .post('/api/admin/users')
    .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
    .send({ username, password, ...(displayName ? { displayName } : {}) })
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

/** A user of `node` with a live token; the display name is the username unless given. */
export async function signUp(node: TestNode, username: string, displayName?: string): Promise<TestUser> {
  const user = await createUser(node, username, DEFAULT_PASSWORD, displayName);
  return { id: user.id, username, address: user.address, token: await login(node, username) };
}

export const bearer = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });

/** `a` invites `b` and `b` accepts: they are friends. Both live on `node`. */
export async function befriend(node: TestNode, a: TestUser, b: TestUser): Promise<void> {
  const invite = await request(node.url)
    .post('/api/friends/invites')
    .set(bearer(a))
    .send({ toUserId: b.address })
    .expect(201);
  await request(node.url)
    .post(`/api/friends/invites/${invite.body.invite.id}/accept`)
    .set(bearer(b))
    .send({})
    .expect(200);
}

export async function sendMessage(
  node: TestNode,
  from: TestUser,
  to: TestUser,
  content: string,
  clientMessageId?: string,
) {
  const response = await request(node.url)
    .post('/api/messages')
    .set(bearer(from))
    .send({ toUserId: to.address, content, ...(clientMessageId ? { clientMessageId } : {}) })
    .expect(201);
  return response.body as {
    id: string;
    clientMessageId: string;
    content: string;
    createdAt: string;
    readAt: string | null;
  };
}

/** Another device of `user` on `node`: a login of its own, so a token of its own. */
export async function secondDevice<User extends TestUser>(
  node: TestNode,
  user: User,
  deviceName: string,
): Promise<User> {
  return { ...user, token: await login(node, user.username, undefined, deviceName) };
}
