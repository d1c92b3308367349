/**
 * The adapter stopped between a batch's index write and the commit of its outputs, then run again
 * by a redelivery: it must send exactly what an uninterrupted run sends, and apply each death once.
 * Runs the adapter against a real SQLite index with a context that keeps the checkpoint in memory
 * as the runtime keeps it in the message store (the runtime's side is tested in routing-suite.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import type { AdapterContext, AdapterProgress, EmitInput } from '../../../broker/adapters/adapter.js';
import type { Mailbox } from '../../../broker/directory/directory.js';
import type { MessageRecord } from '../../../broker/message/model.js';
import { groDeathsAdapter } from '../../../adapters/gro-deaths/gro-deaths-adapter.js';
import type { DemographicIndex } from '../../../adapters/pds/demographic-index.js';
import { openDemographicIndex } from '../../../adapters/pds/store/open-demographic-index.js';
import { mailbox } from '../../helpers/meshd.js';
import { PEOPLE } from './gro-deaths-flow.js';
import { groFileXml, groRegistrationXml } from './gro-xml-fixture.js';

const FILE = groFileXml([
  groRegistrationXml(),
  groRegistrationXml({ registrationId: '6001', name: { givenNames: ['DOROTHY'], familyName: 'PEMBERTON' }, gender: '2', birthDate: { full: '1929-01-17', verificationLevel: '00' } }),
  groRegistrationXml({ registrationId: '6002', name: { givenNames: ['MARY'], familyName: 'BROWN' }, gender: '2', birthDate: { full: '1950-02-03', verificationLevel: '00' }, address: { lines: ['2 Oak Road'], postcode: 'YO1 7HH' } }),
  groRegistrationXml({ registrationId: '6003', gender: '7' }),
  groRegistrationXml({ registrationId: '6004', name: { givenNames: ['AHMED'], familyName: 'KHAN' }, birthDate: { full: '1939-05-05', verificationLevel: '00' }, address: { lines: ['7 Station Road'], postcode: 'HU1 1AA' } }),
]);
const SOURCE = { messageId: 'FILE-1', sender: 'GRO1', localId: 'weekly', workflowId: 'GRO_DEATH_REGISTRATION' } as MessageRecord;
const MAILBOXES = new Map<string, Mailbox>([['NBO1', mailbox('NBO1')], ['GPA', mailbox('GPA', { odsCode: 'A81001' })], ['GPB', mailbox('GPB', { odsCode: 'B82002' })], ['GRO1', mailbox('GRO1')]]);

/** The runtime's side, in memory: a checkpoint, committed outputs, and a crash on request. */
class FakeRuntime {
  progress: AdapterProgress = { records: 0, state: null };
  committed: EmitInput[] = [];
  crashAtRecords: number | null = null;

  private pending: EmitInput[] = [];

  /** A delivery's context: what the adapter emits waits in `pending` until a commit. */
  context(): AdapterContext {
    this.pending = [];
    return {
      settings: { manualResolutionMailbox: 'NBO1', batchSize: 2 },
      readPayload: async () => Readable.from([Buffer.from(FILE)]),
      emit: (e) => void this.pending.push(e),
      report: (code, description) => {
        throw new Error(`unexpected report ${code} ${description}`);
      },
      lookupMailbox: (id) => MAILBOXES.get(id),
      lookupEndpoint: (ods) => [...MAILBOXES.values()].filter((m) => m.odsCode === ods),
      progress: async () => structuredClone(this.progress),
      commitBatch: async (p) => {
        if (p.records === this.crashAtRecords) {
          this.crashAtRecords = null;
          throw new Error('process killed before the batch committed');
        }
        this.committed.push(...this.pending.splice(0));
        this.progress = structuredClone(p);
      },
      logger: pino({ level: 'silent' }),
    };
  }

  /** The runtime's final commit, after handle() resolves. */
  finish(): void {
    this.committed.push(...this.pending.splice(0));
  }
}

async function runOnce(index: DemographicIndex, runtime: FakeRuntime): Promise<void> {
  await groDeathsAdapter({ demographics: index, now: () => Date.parse('2024-06-01T12:00:00Z') }).handle(SOURCE, runtime.context());
  runtime.finish();
}

async function freshIndex(t: Test): Promise<DemographicIndex> {
  const dir = await mkdtemp(join(tmpdir(), 'gro-resume-'));
  const index = await openDemographicIndex(`sqlite:${join(dir, 'meshd.sqlite')}`, dir);
  t.teardown(async () => {
    await index.close();
    await rm(dir, { recursive: true, force: true });
  });
  await index.upsertPeople(PEOPLE);
  return index;
}

t.test('a crash between the index write and the batch commit: the retry sends the same, applies once', async (t) => {
  const clean = new FakeRuntime();
  await runOnce(await freshIndex(t), clean);
  t.equal(clean.committed.length, 6, 'five outcomes and a summary');

  const index = await freshIndex(t);
  const crashed = new FakeRuntime();
  crashed.crashAtRecords = 4; // the second batch of two: its index changes land, its outputs do not
  await t.rejects(runOnce(index, crashed), /process killed/);
  t.equal(crashed.progress.records, 2, 'the first batch was committed');
  t.equal((await index.getRegistrations(['6002'])).size, 1, "the second batch's index changes had landed");
  await runOnce(index, crashed);

  const shape = (e: EmitInput) => ({ to: e.to, key: e.key, workflowId: e.workflowId, localId: e.localId, payload: String(e.payload) });
  t.same(crashed.committed.map(shape), clean.committed.map(shape), 'byte for byte what an uninterrupted run sends');
  t.same(new Set(crashed.committed.map((e) => e.key)).size, crashed.committed.length, 'every output once');
  const mary = await index.getPerson(PEOPLE[1]!.nhsNumber);
  t.same([mary?.deathStatus, mary?.deathRegistrationId], [2, '6002'], 'the replayed death is recorded once, by its registration');
  const summary = JSON.parse(String(crashed.committed.find((e) => e.key === 'SUMMARY')!.payload));
  t.match(summary, { records: 5, matched: 3, notified: 2, invalid: 1 }, 'the summary counts the batches before the crash too');
});
