import t from 'tap';
import { odsCodeResolver, type AddressResolver } from '../../broker/messages/address-resolver.js';
import { authFor, mailbox, raw, startTestMeshd, V1, V2 } from '../helpers/meshd.js';

// A stand-in for the demographics resolver: GPPROVIDER_<nhs>_<dob>_<surname> → the patient's GP.
const gpProvider: AddressResolver = {
  name: 'test-gpprovider',
  async resolve(to, { directory }) {
    const m = /^GPPROVIDER_(\d{10})_(\d{8})_([A-Z]+)$/.exec(to);
    if (!m) return null;
    if (m[1] === '9434765919') return { mailbox: directory.getMailbox('GP1')! };
    if (m[1] === '9434765870') return { error: 'EPL-153', description: 'Patient not registered with a GP practice' };
    return { error: 'EPL-152', description: 'Demographic details did not match a patient' };
  },
};

t.test('address resolvers turn a mex-To that is not a mailbox into one, or a MESH error', async (t) => {
  const meshd = await startTestMeshd(t, {
    mailboxes: [mailbox('MB1'), mailbox('GP1', { odsCode: 'A81001' }), mailbox('GP2', { odsCode: 'B82002' }), mailbox('GP3', { odsCode: 'B82002' })],
    workflows: [{ workflowId: 'GP_WF', senders: ['MB1'], receivers: ['GP1', 'GP2', 'GP3'] }],
    resolvers: [gpProvider, odsCodeResolver],
  });
  const send = (to: string, accept = V2) => raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept, 'mex-to': to, 'mex-workflowid': 'GP_WF' }, 'x');
  const ok = await send('GPPROVIDER_9434765919_19700101_SMITH');
  t.equal(ok.status, 202, 'resolved by the first resolver');
  const inbox = await raw(meshd.url, 'GET', '/messageexchange/GP1/inbox', { authorization: authFor('GP1'), accept: V2 });
  t.same(inbox.json().messages, [ok.json().message_id], 'delivered to the GP it resolved to');
  const noGp = await send('GPPROVIDER_9434765870_19700101_SMITH');
  t.equal(noGp.status, 417);
  t.same(noGp.json().detail[0], { event: 'SEND', code: 'EPL-153', msg: 'Patient not registered with a GP practice' });
  const noMatch = await send('GPPROVIDER_9999999999_19700101_JONES', V1);
  t.equal(noMatch.json().errorCode, 'EPL-152');
  t.equal((await send('A81001')).status, 202, 'falls through to the ODS-code resolver');
  t.equal((await send('B82002')).json().detail[0].code, 'EPL-150', 'several mailboxes matched');
  t.equal((await send('NOT_AN_ADDRESS')).json().detail[0].code, '12', 'nobody understood it: unregistered address');
});
