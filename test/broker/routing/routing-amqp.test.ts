import t from 'tap';
import { AMQP_URL, cleanupTopology, testPrefix } from '../../helpers/rabbitmq.js';
import { routingSuite } from './routing-suite.js';

// The same routing behaviour as embedded, through the real RabbitMQ on 127.0.0.1:5672.
routingSuite(t, async () => {
  const queuePrefix = testPrefix('routing');
  cleanupTopology(t, queuePrefix, ['fanout', 'flaky', 'poison', 'bouncer'], [50, 100]);
  return { transport: AMQP_URL, queuePrefix };
});
