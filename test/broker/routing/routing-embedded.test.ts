import t from 'tap';
import { routingSuite } from './routing-suite.js';

routingSuite(t, async () => ({ transport: 'embedded' }));
