import t from 'tap';
import { withHeartbeat } from '../../../broker/transport/create-transport.js';

t.test('a 15 s heartbeat is asked for unless the URL sets one', async (t) => {
  t.equal(withHeartbeat('amqp://guest:guest@127.0.0.1:5672'), 'amqp://guest:guest@127.0.0.1:5672?heartbeat=15');
  t.equal(withHeartbeat('amqp://u:p@h:5672/vhost?heartbeat=5'), 'amqp://u:p@h:5672/vhost?heartbeat=5');
  t.equal(withHeartbeat('amqps://u:p@h/v?frameMax=0'), 'amqps://u:p@h/v?frameMax=0&heartbeat=15');
});
