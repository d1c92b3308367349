import t from 'tap';
import { unavailableDependency } from '../../../broker/errors.js';
import { isStoreConnectionFailure } from '../../../broker/store/connection-failure.js';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

t.test('connection failures of the metadata store are told apart from failing queries', async (t) => {
  t.ok(isStoreConnectionFailure(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')), 'refused');
  t.ok(isStoreConnectionFailure(withCode('terminating connection due to administrator command', '57P01')), 'server shutting down');
  t.ok(isStoreConnectionFailure(withCode('connection failure', '08006')), 'SQLSTATE class 08');
  t.ok(isStoreConnectionFailure(withCode('sorry, too many clients already', '53300')), 'too many connections');
  t.ok(isStoreConnectionFailure(new Error('Connection terminated unexpectedly')), "node-postgres's own wording");
  t.ok(isStoreConnectionFailure(new Error('timeout exceeded when trying to connect')), 'pool connect timeout');
  t.ok(isStoreConnectionFailure(new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNREFUSED')], '')), 'every address refused');
  t.notOk(isStoreConnectionFailure(withCode('duplicate key value violates unique constraint', '23505')), 'a constraint violation is a query failure');
  t.notOk(isStoreConnectionFailure(withCode('syntax error at or near "SELEC"', '42601')), 'a bug is not an outage');
  t.notOk(isStoreConnectionFailure('ECONNREFUSED'), 'only errors count');
});

t.test('unavailableDependency names the store that is down', async (t) => {
  t.equal(unavailableDependency(withCode('connect ECONNREFUSED', 'ECONNREFUSED')), 'metadata store');
  t.equal(unavailableDependency(withCode('object store unavailable: put k', 'object_store_unavailable')), 'object store');
  t.equal(unavailableDependency(withCode('database is locked', 'SQLITE_BUSY')), 'metadata store', 'SQLite locked past its busy timeout: retry later');
  t.equal(unavailableDependency(withCode('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_PRIMARYKEY')), null, 'other SQLite errors are not outages');
  t.equal(unavailableDependency(new TypeError('x is undefined')), null, 'anything else is a 500, not a 503');
  t.equal(unavailableDependency(null), null);
});
