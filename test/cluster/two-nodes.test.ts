/**
 * Two meshd processes over one PostgreSQL, one S3 server and one RabbitMQ behave as one service
 * (issue 4): each has its own empty data directory, so nothing is shared but those three. A
 * chunked message is uploaded with its chunks going to alternating nodes and downloaded intact
 * from either; acknowledgement on one node is seen by the other; a routed message consumed by
 * either node's workers is delivered exactly once; the periodic jobs have one leader cluster-wide.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { MeshClient } from '../../mailbox/client/index.js';
import { eventually, FAULT_ROUTING, RETRY_DELAYS_MS } from '../broker/routing/faults-support.js';
import { authFor, raw, V2 } from '../helpers/meshd.js';
import { MeshdProcess, tempDir, writeMeshdConfig } from '../helpers/meshd-process.js';
import { freshSchema, metadataUrl } from '../helpers/postgres.js';
import { AMQP_URL, cleanupTopology, testPrefix } from '../helpers/rabbitmq.js';
import { S3RVER_CREDENTIALS, startS3Server } from '../helpers/s3-server.js';

const BUCKET = 'mesh-two-nodes';
const SENDER = 'X26ABC1';
const RECIPIENT = 'X26ABC2';
const COPY_RECIPIENT = 'X26ABC3';
const PASSWORD = 'password';
/** Chunks past the inline limit and past the S3 store's part size, so each is a multipart upload. */
const CHUNK_BYTES = 6 * 1024 * 1024;
const CHUNKS = 4;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function client(url: string, mailboxId: string): MeshClient {
  return new MeshClient({ baseUrl: url, mailboxId, password: PASSWORD, sharedKey: 'TestKey', timeoutMs: 60_000 });
}

/** The SHA-256 of a message downloaded whole (every chunk) from `url`. */
async function downloadedHash(url: string, mailboxId: string, messageId: string): Promise<string> {
  const got = await client(url, mailboxId).downloadMessage(messageId);
  const hash = createHash('sha256');
  for await (const part of got.body) hash.update(part as Buffer);
  return hash.digest('hex');
}

/** Every file under the given directories, recursively. */
async function filesUnder(dirs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const dir of dirs) {
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) files.push(join(e.parentPath, e.name));
  }
  return files;
}

/** Message IDs in a mailbox's inbox as one node lists them. */
async function inboxIds(url: string, mailboxId: string): Promise<string[]> {
  return (await client(url, mailboxId).listInbox()).messages;
}

t.test('two meshd nodes over PostgreSQL + S3 + RabbitMQ act as one service', async (t) => {
  const schema = freshSchema(t, 'two_nodes');
  const s3 = await startS3Server(t, { buckets: [BUCKET] });
  const prefix = testPrefix('twonodes');
  cleanupTopology(t, prefix, ['fanout'], RETRY_DELAYS_MS);
  const confDir = await tempDir(t, 'meshd-two-nodes-conf-');
  const configFile = await writeMeshdConfig(confDir, FAULT_ROUTING);
  const metadata = metadataUrl(schema);
  const objects = `s3://${BUCKET}?endpoint=${encodeURIComponent(s3.endpoint)}`;
  const env = { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' };
  const dataDirs: string[] = [];
  const startNode = async (name: string): Promise<MeshdProcess> => {
    const dataDir = await tempDir(t, `meshd-${name}-`);
    dataDirs.push(dataDir);
    const args = ['--config', configFile, '--data-dir', dataDir, '--port', '0', '--transport', AMQP_URL, '--queue-prefix', prefix, '--metadata', metadata, '--objects', objects];
    return MeshdProcess.start(t, args, { env, name });
  };
  // One after the other: the first runs the migrations, the second finds them applied.
  const nodeA = await startNode('node-a');
  const nodeB = await startNode('node-b');
  const nodes = [nodeA.url, nodeB.url];
  const becameLeader = (node: MeshdProcess, job: string) => node.records.filter((r) => r.msg === 'cluster job: this node is now the leader' && r.job === job);

  t.test('chunks sent to alternating nodes make one message, intact from either node', async (t) => {
    const chunks = Array.from({ length: CHUNKS }, () => randomBytes(CHUNK_BYTES));
    const whole = sha256(Buffer.concat(chunks));
    const headers = (n: number) => ({
      authorization: authFor(SENDER, PASSWORD), accept: V2, 'content-type': 'application/octet-stream',
      'mex-from': SENDER, 'mex-to': RECIPIENT, 'mex-workflowid': 'TEST_WORKFLOW2', 'mex-chunk-range': `${n}:${CHUNKS}`,
    });
    const first = await raw(nodes[0]!, 'POST', `/messageexchange/${SENDER}/outbox`, headers(1), chunks[0]);
    t.equal(first.status, 202, `chunk 1 accepted by node A: ${first.body.toString().slice(0, 200)}`);
    const messageId = (JSON.parse(first.body.toString()) as { message_id: string }).message_id;
    for (let n = 2; n <= CHUNKS; n++) {
      if (n === CHUNKS) {
        for (const url of nodes) t.notOk((await inboxIds(url, RECIPIENT)).includes(messageId), 'not visible before its last chunk');
      }
      const node = nodes[(n - 1) % 2]!;
      const res = await raw(node, 'POST', `/messageexchange/${SENDER}/outbox/${messageId}/${n}`, headers(n), chunks[n - 1]);
      t.equal(res.status, 202, `chunk ${n} accepted by node ${(n - 1) % 2 ? 'B' : 'A'}`);
    }
    for (const [i, url] of nodes.entries()) {
      t.ok((await inboxIds(url, RECIPIENT)).includes(messageId), `in the inbox as node ${'AB'[i]} lists it`);
      t.equal(await downloadedHash(url, RECIPIENT, messageId), whole, `downloaded intact from node ${'AB'[i]}`);
    }
    t.same(await filesUnder(dataDirs), [], 'no payload was written to either node\'s own disk');
    t.ok((await filesUnder([s3.dir])).length >= CHUNKS, 'the chunks are in the S3 server\'s storage');
    await client(nodes[1]!, RECIPIENT).acknowledge(messageId);
    t.notOk((await inboxIds(nodes[0]!, RECIPIENT)).includes(messageId), 'acknowledged on node B, gone from the inbox on node A');
  });

  t.test('routed messages are consumed by either node and delivered exactly once', async (t) => {
    const sent: string[] = [];
    for (let i = 0; i < 10; i++) {
      sent.push(await client(nodes[i % 2]!, SENDER).sendMessage({ to: RECIPIENT, workflowId: 'MESH_FANOUT_DEMO', body: `routed ${i}` }));
    }
    // conf/routes.yaml's fanout demo copies each message to X26ABC3 with mex-LinkedMsgID naming it.
    const copiesFor = async (): Promise<Map<string, number>> => {
      const counts = new Map<string, number>();
      const copyClient = client(nodes[0]!, COPY_RECIPIENT);
      for (const id of await inboxIds(nodes[0]!, COPY_RECIPIENT)) {
        const got = await copyClient.downloadMessage(id);
        got.body.destroy();
        const linked = got.headers['mex-linkedmsgid'];
        if (typeof linked === 'string' && sent.includes(linked)) counts.set(linked, (counts.get(linked) ?? 0) + 1);
      }
      return counts;
    };
    await eventually(async () => (await copiesFor()).size === sent.length, 'a copy of every routed message', 60_000);
    await sleep(1_000); // a duplicate from a second consumer would have arrived by now
    const counts = await copiesFor();
    t.same([...counts.values()].filter((c) => c !== 1), [], 'every routed message was copied exactly once');
  });

  t.test('object store down: 503 with nothing left behind, then service resumes by itself', async (t) => {
    await s3.kill();
    const body = randomBytes(300_000); // past the inline limit, so it must go to the object store
    const headers = { authorization: authFor(SENDER, PASSWORD), accept: V2, 'content-type': 'application/octet-stream', 'mex-from': SENDER, 'mex-to': RECIPIENT, 'mex-workflowid': 'TEST_WORKFLOW2' };
    const refused = await raw(nodes[0]!, 'POST', `/messageexchange/${SENDER}/outbox`, headers, body);
    t.equal(refused.status, 503, 'a send needing the object store is refused as unavailable');
    t.match(JSON.parse(refused.body.toString()), { detail: [{ event: 'SERVICE', code: '503' }] });
    const line = await nodeA.waitForLog((r) => r.msg === 'object store unavailable', 'the outage log line', 10_000);
    t.match(line, { level: 50, dependency: 'object store', url: `/messageexchange/${SENDER}/outbox` }, 'the node logs which store is down');
    const before = await inboxIds(nodes[1]!, RECIPIENT);
    await s3.restart();
    const id = await client(nodes[0]!, SENDER).sendMessage({ to: RECIPIENT, workflowId: 'TEST_WORKFLOW2', body });
    const after = await inboxIds(nodes[1]!, RECIPIENT);
    t.same(after.filter((m) => !before.includes(m)), [id], 'only the message accepted after recovery is in the inbox');
    t.equal(await downloadedHash(nodes[1]!, RECIPIENT, id), sha256(body), 'and it downloads intact');
  });

  t.test('each periodic job has one leader cluster-wide, and another node takes over when it stops', async (t) => {
    for (const job of ['outbox-sweep', 'nonce-prune']) {
      await eventually(async () => becameLeader(nodeA, job).length + becameLeader(nodeB, job).length > 0, `a leader for ${job}`);
      t.equal(becameLeader(nodeA, job).length + becameLeader(nodeB, job).length, 1, `exactly one node leads ${job}`);
    }
    const leader = becameLeader(nodeA, 'outbox-sweep').length === 1 ? nodeA : nodeB;
    const follower = leader === nodeA ? nodeB : nodeA;
    leader.signal('SIGTERM');
    t.equal((await leader.exit).code, 0, 'the leader shut down cleanly');
    await eventually(async () => becameLeader(follower, 'outbox-sweep').length === 1, 'the other node takes the sweeper over', 15_000);
    t.pass('the remaining node leads the outbox sweep once the leader released it');
    const id = await client(follower.url, SENDER).sendMessage({ to: RECIPIENT, workflowId: 'TEST_WORKFLOW2', body: 'after the leader left' });
    t.ok((await inboxIds(follower.url, RECIPIENT)).includes(id), 'the remaining node still serves the mailbox');
  });
});
