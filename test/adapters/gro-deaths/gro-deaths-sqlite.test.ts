import t from 'tap';
import { groDeathsFlow } from './gro-deaths-flow.js';

// The embedded default: message store and demographic index in one SQLite file in the data dir.
groDeathsFlow(t, () => ({}));
